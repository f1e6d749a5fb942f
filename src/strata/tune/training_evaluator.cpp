#include "strata/tune/training_evaluator.h"

#include <algorithm>
#include <cmath>

#include "strata/data/preprocessing.h"
#include "strata/nn/layers.h"
#include "strata/tensor/math.h"
#include "strata/train/callbacks.h"

namespace strata::tune {
namespace {

double number_param(const Params& p, const std::string& name, double fallback) {
  if (!p.contains(name)) return fallback;
  STRATA_CHECK(p[name].is_number(), "parameter ", name, " must be a number, got ", p[name].dump());
  return p[name].get<double>();
}

std::int64_t int_param(const Params& p, const std::string& name, std::int64_t fallback) {
  const double v = number_param(p, name, double(fallback));
  STRATA_CHECK(v == std::floor(v), "parameter ", name, " must be a whole number, got ", v);
  return static_cast<std::int64_t>(v);
}

std::string string_param(const Params& p, const std::string& name, const std::string& fallback) {
  if (!p.contains(name)) return fallback;
  STRATA_CHECK(p[name].is_string(), "parameter ", name, " must be a string, got ", p[name].dump());
  return p[name].get<std::string>();
}

bool bool_param(const Params& p, const std::string& name, bool fallback) {
  if (!p.contains(name)) return fallback;
  STRATA_CHECK(p[name].is_boolean(), "parameter ", name, " must be true or false, got ", p[name].dump());
  return p[name].get<bool>();
}

// Replaces "$name" strings in a spec by the candidate's values; collects the names it meets.
nlohmann::json substitute(const nlohmann::json& spec, const Params* params, std::vector<std::string>& names) {
  if (spec.is_string()) {
    const auto s = spec.get<std::string>();
    if (s.size() < 2 || s[0] != '$') return spec;
    const std::string name = s.substr(1);
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    if (!params) return spec;
    STRATA_CHECK(params->contains(name), "the model spec uses $", name, " but the candidate has no value for it");
    return (*params)[name];
  }
  nlohmann::json out = spec;
  if (spec.is_object() || spec.is_array())
    for (auto it = out.begin(); it != out.end(); ++it) *it = substitute(*it, params, names);
  return out;
}

}  // namespace

ModelFamily mlp_family() {
  ModelFamily f;
  f.name = "mlp";
  f.parameters = {"layers", "units", "activation", "dropout", "l2", "batch_norm"};
  f.build = [](const Params& p, const Shape& input, std::int64_t classes) {
    const std::int64_t layers = int_param(p, "layers", 2), units = int_param(p, "units", 256);
    const double dropout = number_param(p, "dropout", 0.0), l2 = number_param(p, "l2", 0.0);
    const std::string activation = string_param(p, "activation", "relu");
    const bool batch_norm = bool_param(p, "batch_norm", false);
    STRATA_CHECK(layers >= 0 && units >= 1, "mlp: need layers >= 0 and units >= 1, got ", layers, " and ", units);
    std::vector<nn::LayerPtr> stack{layers::Flatten()};
    for (std::int64_t i = 0; i < layers; ++i) {
      stack.push_back(layers::Dense(nn::DenseOptions(std::max<std::int64_t>(1, units >> i))
                                        .activation(batch_norm ? "" : activation)
                                        .kernel_regularizer(nn::Regularizer::L2(l2))));
      if (batch_norm) {
        stack.push_back(layers::BatchNormalization());
        stack.push_back(layers::Activation(activation));
      }
      if (dropout > 0) stack.push_back(layers::Dropout(dropout));
    }
    stack.push_back(layers::Dense(classes, "softmax"));
    return std::make_shared<models::Sequential>(input, stack, "mlp");
  };
  return f;
}

ModelFamily spec_family(const nlohmann::json& spec_template) {
  ModelFamily f;
  f.name = "spec";
  substitute(spec_template, nullptr, f.parameters);
  f.build = [spec_template](const Params& p, const Shape& input, std::int64_t) {
    std::vector<std::string> unused;
    auto model = models::model_from_config(substitute(spec_template, &p, unused));
    model->ensure_built();
    STRATA_CHECK(model->built() && model->input_shape() == input, "the model spec expects input ",
                 model->built() ? shape_str(model->input_shape()) : std::string("(none: add an InputLayer)"),
                 " but the data has ", shape_str(input));
    return model;
  };
  return f;
}

const std::vector<std::string>& TrainingEvaluator::training_parameters() {
  static const std::vector<std::string> names = {"optimizer", "learning_rate", "batch_size", "momentum", "weight_decay"};
  return names;
}

TrainingEvaluator::TrainingEvaluator(Tensor x, Tensor y, std::int64_t classes, ModelFamily family, EvaluationSettings s)
    : x_(std::move(x)), y_(std::move(y)), classes_(classes), family_(std::move(family)), settings_(std::move(s)) {
  STRATA_CHECK(x_.dim() >= 2 && y_.dim() == 1 && x_.size(0) == y_.size(0) && y_.dtype() == DType::i64,
               "TrainingEvaluator: expected x [N, ...] and i64 labels [N], got ", shape_str(x_.shape()), " and ",
               shape_str(y_.shape()));
  STRATA_CHECK(settings_.objective.rfind("val_", 0) == 0, "tune: the objective must be a validation figure such as ",
               "val_accuracy or val_loss, got \"", settings_.objective, "\"");
  if (settings_.folds >= 2) {
    for (auto& f : data::stratified_kfold(y_, settings_.folds, settings_.seed)) folds_.emplace_back(f.train, f.validation);
  } else {
    STRATA_CHECK(settings_.folds == 1, "tune: folds must be at least 1, got ", settings_.folds);
    folds_.push_back(data::stratified_split(y_, settings_.validation_split, settings_.seed));
  }
}

bool TrainingEvaluator::maximize() const {
  return !train::Monitor(settings_.objective, train::Mode::automatic, 0).minimize();
}

void TrainingEvaluator::check_parameters(const SearchSpace& space) const {
  std::string unknown;
  for (const auto& p : space.params()) {
    const auto& t = training_parameters();
    const bool known = std::find(t.begin(), t.end(), p.name) != t.end() ||
                       std::find(family_.parameters.begin(), family_.parameters.end(), p.name) != family_.parameters.end();
    if (!known) unknown += (unknown.empty() ? "" : ", ") + p.name;
  }
  if (unknown.empty()) return;
  std::string expected;
  for (const auto& n : training_parameters()) expected += n + ", ";
  for (const auto& n : family_.parameters) expected += n + ", ";
  throw Error(detail::concat("tune: the search space has parameters that nothing reads: ", unknown, "; expected ",
                             expected.substr(0, expected.size() - 2), " (", family_.name, " model)"));
}

train::Trainer TrainingEvaluator::make_trainer(const Params& params) const {
  const Shape input(x_.shape().begin() + 1, x_.shape().end());
  auto model = family_.build(params, input, classes_);
  model->ensure_built();
  const std::string name = string_param(params, "optimizer", "adam");
  optim::OptimizerOptions o;
  const bool default_rate = !params.contains("learning_rate");
  o.learning_rate = number_param(params, "learning_rate", 0.0);
  o.weight_decay = number_param(params, "weight_decay", 0.0);
  std::unique_ptr<optim::Optimizer> optimizer;
  if (params.contains("momentum")) {
    const double momentum = number_param(params, "momentum", 0.0);
    if (name == "sgd") {
      if (default_rate) o.learning_rate = 0.01;
      optimizer = std::make_unique<optim::SGD>(model->trainable_variables(), o, momentum);
    } else if (name == "rmsprop") {
      if (default_rate) o.learning_rate = 0.001;
      optimizer = std::make_unique<optim::RMSprop>(model->trainable_variables(), o, 0.9, momentum);
    } else {
      throw Error(detail::concat("parameter momentum applies to sgd and rmsprop, not ", name,
                                 "; make it conditional: \"when\": {\"optimizer\": \"sgd\"}"));
    }
  } else {
    optimizer = optim::make_optimizer(name, model->trainable_variables(), o, default_rate);
  }
  // Accuracy always (the final test reports it), and the objective's metric.
  const std::string metric = settings_.objective.substr(4);
  std::vector<std::string> metrics{"accuracy"};
  if (metric != "loss" && metric != "accuracy") metrics.push_back(metric);
  return train::compile(model, std::move(optimizer), train::loss_by_name("sparse_categorical_crossentropy"), metrics);
}

FoldScore TrainingEvaluator::score(const Params& params, int epochs, int fold) {
  const auto& [train_rows, validation_rows] = folds_.at(static_cast<std::size_t>(fold));
  Tensor xt = gather_rows(x_, train_rows), yt = gather_rows(y_, train_rows);
  Tensor xv = gather_rows(x_, validation_rows), yv = gather_rows(y_, validation_rows);
  if (settings_.standardize) {
    const auto normalizer = data::Normalizer::fit(xt);
    xt = normalizer.apply(xt);
    xv = normalizer.apply(xv);
  }
  // The same initialization and order for every candidate on a fold (the generator is per thread).
  manual_seed(settings_.seed * 1000003ULL + static_cast<std::uint64_t>(fold));
  train::Trainer trainer = make_trainer(params);
  trainer.set_seed(settings_.seed + static_cast<std::uint64_t>(fold));
  train::FitOptions fit;
  fit.epochs(epochs).batch_size(static_cast<int>(int_param(params, "batch_size", 32))).verbose(0).validation_data(xv, yv);
  if (settings_.patience > 0) {
    train::EarlyStoppingOptions es;
    es.monitor = settings_.objective;
    es.patience = settings_.patience;
    fit.callbacks({std::make_shared<train::EarlyStopping>(es)});
  }
  const train::History history = trainer.fit(xt, yt, fit);
  auto it = history.values.find(settings_.objective);
  STRATA_CHECK(it != history.values.end(), "tune: training logs have no \"", settings_.objective, "\"");
  const auto& v = it->second;
  const bool max = maximize();
  std::size_t best = 0;
  for (std::size_t i = 1; i < v.size(); ++i)
    if (max ? v[i] > v[best] : v[i] < v[best]) best = i;
  return {v.at(best), static_cast<int>(best) + 1};
}

train::Trainer TrainingEvaluator::fit_all(const Params& params, int epochs,
                                          std::optional<data::Normalizer>* normalizer_out) const {
  Tensor x = x_;
  if (settings_.standardize) {
    const auto normalizer = data::Normalizer::fit(x);
    x = normalizer.apply(x);
    if (normalizer_out) *normalizer_out = normalizer;
  }
  manual_seed(settings_.seed);
  train::Trainer trainer = make_trainer(params);
  trainer.set_seed(settings_.seed);
  trainer.fit(x, y_, train::FitOptions().epochs(epochs).batch_size(static_cast<int>(int_param(params, "batch_size", 32))).verbose(0));
  return trainer;
}

}  // namespace strata::tune
