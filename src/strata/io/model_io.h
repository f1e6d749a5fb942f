// Saving and loading models.
//
// A model file (.strata) is a tensor file (tensor_file.h) holding:
//   metadata "format" = "strata-model", "version" = "1", "weight_names" = JSON list of the
//   weight paths in model order, "model_config" = the architecture
//   (Model::config() JSON), and when training state is saved, "optimizer_config",
//   "optimizer_state" and "training_config" (loss and metrics, JSON);
//   tensors "weights/<layer>/<weight>" and "optimizer/<parameter index>/<slot>".
// A weights file has only the weights and "format" = "strata-weights".
// Loading checks everything before changing anything: a file that does not match the model
// gives an error listing missing, unexpected and mis-shaped tensors, and the model is untouched.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/models/model.h"
#include "strata/optim/optimizer.h"

namespace strata::io {

// How load_weights pairs the file's tensors with the model's weights:
//   order: position by position (Keras' default for weight files), so a model rebuilt the same
//          way loads them whatever its automatically generated layer names;
//   name:  by "<layer>/<weight>" path, for loading into a different architecture that shares
//          layer names (transfer learning). Tensors the model lacks are an error either way.
enum class MatchBy { order, name };

void save_weights(const std::string& path, models::Model& model);
void load_weights(const std::string& path, models::Model& model, MatchBy match = MatchBy::order);

// `optimizer` and `training_config` may be null/empty to save the architecture and weights only.
void save_model(const std::string& path, models::Model& model, const optim::Optimizer* optimizer = nullptr,
                const nlohmann::json& training_config = nullptr);

// What a model file says about the data its model expects, for `predict` and `evaluate`: kept
// inside the training config JSON (so files from before this type load unchanged).
struct ModelMetadata {
  std::vector<std::string> class_names;  // names of outputs 0, 1, ... (empty: unknown)
  nlohmann::json preprocessing;          // how images are prepared (data::ImagePreprocessing JSON); null: none
  bool from_logits = false;              // the model's output is logits, not probabilities
  std::string imported_from;             // the file an imported model came from
  // For a model that reads text: its tokenizer's file, as a path relative to the model file's
  // folder (saved beside it), and the tokens per text it was trained on. Empty: tensors in.
  std::string tokenizer;
  std::int64_t sequence_length = 0;

  bool reads_text() const { return !tokenizer.empty(); }
  // The tokenizer's path for the model file at `model_path` (checked to exist).
  std::string tokenizer_path(const std::string& model_path) const;

  static ModelMetadata from_training_config(const nlohmann::json& training_config);
  // Writes the fields into `training_config` (empty ones are left out).
  void write_to(nlohmann::json& training_config) const;
};

struct LoadedModel {
  std::shared_ptr<models::Model> model;
  std::unique_ptr<optim::Optimizer> optimizer;  // null when the file has no training state
  nlohmann::json training_config;               // null when absent
  ModelMetadata metadata;                       // from training_config
};
LoadedModel load_model(const std::string& path);

}  // namespace strata::io
