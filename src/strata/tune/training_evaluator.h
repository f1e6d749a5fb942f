// Scores a candidate by training a classifier on in-memory data: stratified k-fold cross-
// validation (or one stratified held-out split), early stopping on the objective inside each
// fold, features standardized with statistics of the training part only.
//
// The candidate's parameters drive both the model and the training:
//   training: optimizer ("adam"), learning_rate (the optimizer's Keras default), batch_size (32),
//             momentum (sgd and rmsprop only), weight_decay (0)
//   model:    whatever the ModelFamily reads, e.g. mlp_family()'s layers, units, activation,
//             dropout, l2, batch_norm
// A parameter nobody reads is an error (check_parameters), never silently ignored.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/data/preprocessing.h"
#include "strata/models/model.h"
#include "strata/train/training.h"
#include "strata/tune/tuner.h"

namespace strata::tune {

struct ModelFamily {
  std::string name;
  std::vector<std::string> parameters;  // the candidate parameters it reads
  std::function<std::shared_ptr<models::Model>(const Params&, const Shape& input, std::int64_t classes)> build;
};

// Flatten, `layers` hidden Dense layers (the i-th has max(1, units / 2^i) units, each followed
// by BatchNormalization when batch_norm and Dropout(dropout) when dropout > 0, L2 penalty l2 on
// the kernels), then Dense(classes, softmax). Defaults: layers 2, units 256, activation relu,
// dropout 0, l2 0, batch_norm false — exactly the built-in "mlp".
ModelFamily mlp_family();
// A model spec (the JSON of Model::config(), as `strata train --model spec.json` reads) in
// which any string "$name" is replaced by the candidate's value of `name`.
ModelFamily spec_family(const nlohmann::json& spec_template);

struct EvaluationSettings {
  std::string objective = "val_accuracy";  // "val_" + a metric or "loss"
  int folds = 5;                 // >= 2: stratified k-fold; 1: one stratified held-out split
  double validation_split = 0.2; // the held-out fraction when folds == 1
  int patience = 5;              // early stopping on the objective inside a fold (0: off)
  bool standardize = true;       // (x - mean) / std per feature, fitted on each training part
  std::uint64_t seed = 0;        // folds, initialization, shuffling, dropout
};

class TrainingEvaluator final : public Evaluator {
 public:
  TrainingEvaluator(Tensor x, Tensor y, std::int64_t classes, ModelFamily family, EvaluationSettings settings);
  int folds() const override { return static_cast<int>(folds_.size()); }
  FoldScore score(const Params& params, int epochs, int fold) override;
  // Whether the objective is maximized (accuracy, auc, ...) or minimized (losses, errors).
  bool maximize() const;
  // Throws naming every parameter of `space` that neither training nor the family reads.
  void check_parameters(const SearchSpace& space) const;
  // Trains on all the data for `epochs` (no validation); standardization, when on, is fitted on
  // all of it and handed back, so new data can be prepared the same way.
  train::Trainer fit_all(const Params& params, int epochs, std::optional<data::Normalizer>* normalizer_out = nullptr) const;

  static const std::vector<std::string>& training_parameters();

 private:
  train::Trainer make_trainer(const Params& params) const;

  Tensor x_, y_;
  std::int64_t classes_;
  ModelFamily family_;
  EvaluationSettings settings_;
  std::vector<std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>>> folds_;  // train, validation
};

}  // namespace strata::tune
