#include "strata/io/model_io.h"

#include <filesystem>
#include <set>

#include "strata/io/json_text.h"
#include "strata/io/tensor_file.h"

namespace strata::io {
namespace {

constexpr const char* kWeightsPrefix = "weights/";
constexpr const char* kOptimizerPrefix = "optimizer/";

NamedTensors weight_tensors(models::Model& model) {
  NamedTensors out;
  for (const auto& nw : model.named_weights()) out.emplace_back(kWeightsPrefix + nw.name, nw.weight->variable.value());
  return out;
}

std::map<std::string, std::string> weight_metadata(models::Model& model, const char* format) {
  nlohmann::json names = nlohmann::json::array();
  for (const auto& nw : model.named_weights()) names.push_back(nw.name);
  return {{"format", format}, {"version", "1"}, {"weight_names", names.dump()}};
}

// The file's weight paths in the order they were saved.
std::vector<std::string> saved_order(const TensorFile& file, const std::string& path) {
  auto it = file.metadata.find("weight_names");
  STRATA_CHECK(it != file.metadata.end(), "load: '", path, "' has no weight list (\"weight_names\")");
  try {
    return io::parse_json(it->second, detail::concat("load: '", path, "' has a corrupt weight list:")).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(detail::concat("load: '", path, "' has a corrupt weight list: ", e.what()));
  }
}

// Validates every tensor of the file against the model, then copies them all.
void assign_weights(const TensorFile& file, models::Model& model, const std::string& path, MatchBy match) {
  std::vector<std::string> missing, mismatched, unexpected;
  const auto named = model.named_weights();
  std::vector<const Tensor*> sources(named.size(), nullptr);
  auto check_shape = [&](std::size_t i, const Tensor& t, const std::string& file_name) {
    const Variable& w = named[i].weight->variable;
    if (t.shape() != w.shape() || t.dtype() != w.dtype())
      mismatched.push_back(named[i].name + " (file " + file_name + " " + shape_str(t.shape()) + " " + dtype_name(t.dtype()) +
                           ", model " + shape_str(w.shape()) + ")");
    else
      sources[i] = &t;
  };
  if (match == MatchBy::name) {
    std::set<std::string> expected;
    for (std::size_t i = 0; i < named.size(); ++i) {
      const std::string key = kWeightsPrefix + named[i].name;
      expected.insert(key);
      auto it = file.tensors.find(key);
      if (it == file.tensors.end())
        missing.push_back(named[i].name);
      else
        check_shape(i, it->second, named[i].name);
    }
    for (const auto& [key, t] : file.tensors)
      if (key.rfind(kWeightsPrefix, 0) == 0 && !expected.count(key)) unexpected.push_back(key.substr(8));
  } else {
    const auto order = saved_order(file, path);
    for (std::size_t i = 0; i < named.size(); ++i) {
      if (i >= order.size()) {
        missing.push_back(named[i].name);
        continue;
      }
      auto it = file.tensors.find(kWeightsPrefix + order[i]);
      STRATA_CHECK(it != file.tensors.end(), "load: '", path, "' lists weight '", order[i], "' but does not hold it");
      check_shape(i, it->second, order[i]);
    }
    for (std::size_t i = named.size(); i < order.size(); ++i) unexpected.push_back(order[i]);
  }
  if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    auto list = [](const std::vector<std::string>& v) {
      std::string s;
      for (std::size_t i = 0; i < v.size() && i < 10; ++i) s += (i ? ", " : "") + v[i];
      if (v.size() > 10) s += ", ... (" + std::to_string(v.size()) + " in all)";
      return s.empty() ? std::string("none") : s;
    };
    throw Error(detail::concat("load: '", path, "' does not match model '", model.name(), "': missing ", list(missing),
                               "; unexpected ", list(unexpected), "; mis-shaped ", list(mismatched),
                               ". The model was left unchanged."));
  }
  for (std::size_t i = 0; i < named.size(); ++i) named[i].weight->variable.mutable_value().copy_(*sources[i]);
}

std::string require(const TensorFile& file, const std::string& key, const std::string& path) {
  auto it = file.metadata.find(key);
  STRATA_CHECK(it != file.metadata.end(), "load: '", path, "' has no \"", key, "\" entry; it is not a Strata file of this kind");
  return it->second;
}

nlohmann::json parse_json(const std::string& text, const std::string& what, const std::string& path) {
  return io::parse_json(text, detail::concat("load: '", path, "' has a corrupt ", what, ":"));
}

}  // namespace

void save_weights(const std::string& path, models::Model& model) {
  write_tensor_file(path, weight_tensors(model), weight_metadata(model, "strata-weights"));
}

void load_weights(const std::string& path, models::Model& model, MatchBy match) {
  const TensorFile file = read_tensor_file(path);
  const std::string format = require(file, "format", path);
  STRATA_CHECK(format == "strata-weights" || format == "strata-model", "load_weights: '", path, "' has format \"", format,
               "\"; expected strata-weights or strata-model");
  assign_weights(file, model, path, match);
}

void save_model(const std::string& path, models::Model& model, const optim::Optimizer* optimizer,
                const nlohmann::json& training_config) {
  model.ensure_built();
  STRATA_CHECK(model.built(), "save_model: model '", model.name(), "' is not built yet (call it once first)");
  NamedTensors tensors = weight_tensors(model);
  std::map<std::string, std::string> metadata = weight_metadata(model, "strata-model");
  metadata["model_config"] = model.config().dump();
  if (optimizer) {
    for (const auto& [key, t] : optimizer->state_tensors()) tensors.emplace_back(kOptimizerPrefix + key, t);
    metadata["optimizer_config"] = optimizer->config().dump();
    metadata["optimizer_state"] = optimizer->state_json().dump();
  }
  if (!training_config.is_null()) metadata["training_config"] = training_config.dump();
  write_tensor_file(path, tensors, metadata);
}

LoadedModel load_model(const std::string& path) {
  const TensorFile file = read_tensor_file(path);
  STRATA_CHECK(require(file, "format", path) == "strata-model", "load_model: '", path,
               "' holds weights only; build the model and use load_weights");
  LoadedModel loaded;
  {
    // The architecture may not declare more weights than the file holds (checked as each
    // weight is created, before it is allocated); the shapes are compared one by one below.
    std::int64_t held = 0;
    for (const auto& [key, t] : file.tensors)
      if (key.rfind(kWeightsPrefix, 0) == 0) held += t.numel();
    nn::WeightBudget budget(held, detail::concat("load_model: '", path, "'"));
    loaded.model = models::model_from_config(parse_json(require(file, "model_config", path), "model config", path));
    loaded.model->ensure_built();
  }
  STRATA_CHECK(loaded.model->built(), "load_model: '", path, "': the architecture does not determine its input shape");
  assign_weights(file, *loaded.model, path, MatchBy::name);  // the config keeps the layer names
  if (file.metadata.count("optimizer_config")) {
    std::vector<Variable> params = loaded.model->trainable_variables();
    loaded.optimizer = optim::optimizer_from_config(
        parse_json(file.metadata.at("optimizer_config"), "optimizer config", path), params);
    std::map<std::string, Tensor> slots;
    for (const auto& [key, t] : file.tensors)
      if (key.rfind(kOptimizerPrefix, 0) == 0) slots[key.substr(10)] = t;
    loaded.optimizer->load_state(slots, parse_json(require(file, "optimizer_state", path), "optimizer state", path));
  }
  if (file.metadata.count("training_config"))
    loaded.training_config = parse_json(file.metadata.at("training_config"), "training config", path);
  loaded.metadata = ModelMetadata::from_training_config(loaded.training_config);
  return loaded;
}

ModelMetadata ModelMetadata::from_training_config(const nlohmann::json& c) {
  ModelMetadata m;
  if (!c.is_object()) return m;
  try {
    m.class_names = c.value("class_names", std::vector<std::string>{});
    m.preprocessing = c.value("preprocessing", nlohmann::json());
    m.from_logits = c.value("from_logits", false);
    m.imported_from = c.value("imported_from", std::string());
    m.tokenizer = c.value("tokenizer", std::string());
    m.sequence_length = c.value("sequence_length", std::int64_t{0});
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("model file: the training config's metadata is malformed (") + e.what() + ")");
  }
  return m;
}

void ModelMetadata::write_to(nlohmann::json& c) const {
  if (!class_names.empty()) c["class_names"] = class_names;
  if (!preprocessing.is_null()) c["preprocessing"] = preprocessing;
  c["from_logits"] = from_logits;
  if (!imported_from.empty()) c["imported_from"] = imported_from;
  if (reads_text()) {
    STRATA_CHECK(sequence_length > 0, "model metadata: a model that reads text needs its sequence length (got ",
                 sequence_length, ")");
    c["tokenizer"] = tokenizer;
    c["sequence_length"] = sequence_length;
  }
}

std::string ModelMetadata::tokenizer_path(const std::string& model_path) const {
  STRATA_CHECK(reads_text(), "model '", model_path, "' reads tensors, not text: its file names no tokenizer");
  const std::filesystem::path p = std::filesystem::path(model_path).parent_path() / tokenizer;
  STRATA_CHECK(std::filesystem::is_regular_file(p), "model '", model_path, "' reads text with the tokenizer '", tokenizer,
               "', expected beside it at '", p.string(), "', which does not exist");
  return p.string();
}

}  // namespace strata::io
