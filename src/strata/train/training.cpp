#include "strata/train/training.h"

#include <chrono>
#include <cmath>
#include <functional>
#include <numeric>

#include "strata/nn/conv_layers.h"
#include "strata/tensor/math.h"
#include "strata/train/progress.h"

namespace strata::train {

Trainer::Trainer(std::shared_ptr<models::Model> model, std::unique_ptr<optim::Optimizer> optimizer, Loss loss,
                 std::vector<std::string> metrics)
    : Trainer(std::move(model), std::move(optimizer), std::vector<OutputTarget>{{std::move(loss), std::move(metrics), 1.0}}) {}

Trainer::Trainer(std::shared_ptr<models::Model> model, std::unique_ptr<optim::Optimizer> optimizer,
                 std::vector<OutputTarget> outputs)
    : model_(std::move(model)), optimizer_(std::move(optimizer)), outputs_(std::move(outputs)),
      seed_(default_generator().next() >> 1) {
  STRATA_CHECK(model_ && optimizer_ && !outputs_.empty(), "compile: needs a model, an optimizer and a loss");
  for (const auto& o : outputs_) STRATA_CHECK(o.loss.fn, "compile: every output needs a loss");
  STRATA_CHECK(outputs_.size() == model_->num_outputs(), "compile: model '", model_->name(), "' has ",
               model_->num_outputs(), " output(s) but ", outputs_.size(), " loss(es) were given; give one per output");
  output_names_ = model_->output_names();
  make_metrics();  // validates the names now rather than at the first epoch
}

namespace {
std::shared_ptr<models::Model> built(std::shared_ptr<models::Model> model) {
  STRATA_CHECK(model, "compile: model is null");
  model->ensure_built();
  STRATA_CHECK(model->built(), "compile: model '", model->name(), "' is not built; give it an input shape");
  return model;
}
std::unique_ptr<optim::Optimizer> optimizer_named(const std::string& optimizer, models::Model& model, double learning_rate) {
  optim::OptimizerOptions o;
  o.learning_rate = learning_rate;
  return optim::make_optimizer(optimizer, model.trainable_variables(), o, learning_rate <= 0);
}
}  // namespace

Trainer compile(std::shared_ptr<models::Model> model, const std::string& optimizer, const std::string& loss,
                std::vector<std::string> metrics, double learning_rate, bool from_logits) {
  model = built(std::move(model));
  auto opt = optimizer_named(optimizer, *model, learning_rate);
  return Trainer(std::move(model), std::move(opt), loss_by_name(loss, from_logits), std::move(metrics));
}

Trainer compile(std::shared_ptr<models::Model> model, std::unique_ptr<optim::Optimizer> optimizer, Loss loss,
                std::vector<std::string> metrics) {
  return Trainer(std::move(model), std::move(optimizer), std::move(loss), std::move(metrics));
}

Trainer compile(std::shared_ptr<models::Model> model, const std::string& optimizer, const std::vector<OutputLoss>& outputs,
                double learning_rate) {
  model = built(std::move(model));
  std::vector<OutputTarget> targets;
  for (const auto& o : outputs) {
    STRATA_CHECK(std::isfinite(o.weight) && o.weight >= 0, "compile: loss weights must be finite and >= 0, got ", o.weight);
    targets.push_back({loss_by_name(o.loss, o.from_logits, 0.0, o.ignore_class), o.metrics, o.weight});
  }
  auto opt = optimizer_named(optimizer, *model, learning_rate);
  return Trainer(std::move(model), std::move(opt), std::move(targets));
}

void update_batch_norm(models::Model& model, const Tensor& x, int batch_size) {
  STRATA_CHECK(batch_size > 0 && x.dim() >= 1 && x.size(0) > 0, "update_batch_norm: needs a batch size >= 1 and examples");
  std::vector<nn::BatchNormalization*> layers;
  std::function<void(models::Model&)> collect = [&](models::Model& m) {
    for (const auto& l : m.layers()) {
      if (auto* bn = dynamic_cast<nn::BatchNormalization*>(l.get())) layers.push_back(bn);
      if (auto* sub = dynamic_cast<models::Model*>(l.get()); sub && sub != &m) collect(*sub);
    }
  };
  collect(model);
  for (auto* bn : layers) bn->begin_statistics_estimate();
  try {
    NoGradGuard no_grad;
    for (std::int64_t i = 0; i < x.size(0); i += batch_size)
      model.call({Variable(x.slice(0, i, std::min<std::int64_t>(i + batch_size, x.size(0))).contiguous())}, true);
  } catch (...) {
    for (auto* bn : layers) bn->end_statistics_estimate();
    throw;
  }
  for (auto* bn : layers) bn->end_statistics_estimate();
}

Trainer restore(io::LoadedModel loaded) {
  const nlohmann::json& c = loaded.training_config;
  auto optimizer = loaded.optimizer ? std::move(loaded.optimizer)
                                    : optim::make_optimizer("adam", loaded.model->trainable_variables());
  std::vector<OutputTarget> outputs;
  const auto ignore_class_of = [](const nlohmann::json& o) -> std::optional<std::int64_t> {
    if (o.is_object() && o.contains("ignore_class")) return o["ignore_class"].get<std::int64_t>();
    return std::nullopt;
  };
  if (!c.is_null() && c.contains("outputs")) {
    for (const auto& o : c.at("outputs"))
      outputs.push_back({loss_by_name(o.at("loss"), o.value("from_logits", false), 0.0, ignore_class_of(o)),
                         o.value("metrics", std::vector<std::string>{}), o.value("weight", 1.0)});
  } else {
    const std::string loss = c.is_null() ? "sparse_categorical_crossentropy" : c.value("loss", std::string("sparse_categorical_crossentropy"));
    const bool from_logits = !c.is_null() && c.value("from_logits", false);
    outputs.push_back({loss_by_name(loss, from_logits, 0.0, ignore_class_of(c)),
                       c.is_null() ? std::vector<std::string>{"accuracy"} : c.value("metrics", std::vector<std::string>{}), 1.0});
  }
  Trainer t(loaded.model, std::move(optimizer), std::move(outputs));
  if (!c.is_null() && c.contains("seed")) t.set_seed(c["seed"].get<std::uint64_t>());
  return t;
}

nlohmann::json Trainer::training_config() const {
  const OutputTarget& first = outputs_.front();
  nlohmann::json c = {{"loss", first.loss.name}, {"from_logits", first.loss.from_logits}, {"metrics", first.metrics}, {"seed", seed_}};
  if (first.loss.ignore_class) c["ignore_class"] = *first.loss.ignore_class;
  if (outputs_.size() > 1) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& o : outputs_) {
      list.push_back({{"loss", o.loss.name}, {"from_logits", o.loss.from_logits}, {"metrics", o.metrics}, {"weight", o.weight}});
      if (o.loss.ignore_class) list.back()["ignore_class"] = *o.loss.ignore_class;
    }
    c["outputs"] = list;
  }
  return c;
}

namespace {
std::vector<Tensor> inputs_of(const data::Example& e) {
  std::vector<Tensor> out{e.input};
  out.insert(out.end(), e.more_inputs.begin(), e.more_inputs.end());
  return out;
}
std::vector<Tensor> targets_of(const data::Example& e) {
  std::vector<Tensor> out{e.target};
  out.insert(out.end(), e.more_targets.begin(), e.more_targets.end());
  return out;
}
}  // namespace

Trainer::Batch Trainer::run_batch(const data::Example& batch, const Tensor& sample_weight, bool training) {
  const std::vector<Tensor> xs = inputs_of(batch), ys = targets_of(batch);
  STRATA_CHECK(xs.size() == model_->num_inputs() && ys.size() == outputs_.size(), "model '", model_->name(), "' takes ",
               model_->num_inputs(), " input(s) and ", outputs_.size(), " target(s), but the data has ", xs.size(),
               " and ", ys.size());
  std::vector<Variable> inputs;
  for (const Tensor& x : xs) inputs.emplace_back(x);
  const std::vector<Variable> predicted = model_->call_outputs(inputs, training);
  Batch b;
  for (std::size_t i = 0; i < outputs_.size(); ++i) {
    const Loss& l = outputs_[i].loss;
    Variable loss;
    if (sample_weight.defined()) {
      // Keras: sum(w_i * loss_i) / batch size.
      Variable per_sample = l.fn(predicted[i], ys[i], ops::Reduction::none);
      while (per_sample.dim() > 1) per_sample = ops::mean(per_sample, {-1});
      loss = ops::mean(ops::mul(per_sample, Variable(sample_weight.reshape(per_sample.shape()))));
    } else {
      loss = l.fn(predicted[i], ys[i], ops::Reduction::mean);
    }
    b.output_losses.push_back(loss.value().item());
    const Variable weighted = outputs_.size() == 1 ? loss : ops::mul_scalar(loss, outputs_[i].weight);
    b.loss = b.loss.defined() ? ops::add(b.loss, weighted) : weighted;
    b.outputs.push_back(predicted[i].value());
  }
  if (training) {
    Variable reg = model_->regularization_loss();
    if (reg.defined()) b.loss = ops::add(b.loss, reg);
  }
  return b;
}

std::vector<std::vector<metrics::MetricPtr>> Trainer::make_metrics() const {
  const std::vector<Shape> shapes = model_->built() ? model_->output_shapes() : std::vector<Shape>(outputs_.size());
  std::vector<std::vector<metrics::MetricPtr>> all;
  for (std::size_t k = 0; k < outputs_.size(); ++k) {
    const Loss& loss = outputs_[k].loss;
    const std::int64_t classes = shapes[k].empty() ? 0 : shapes[k].back();
    std::vector<metrics::MetricPtr> list;
    for (const auto& name : outputs_[k].metrics) {
      std::string resolved = name;
      if (name == "accuracy")
        resolved = loss.accuracy_kind == "binary" ? "binary_accuracy"
                   : loss.accuracy_kind == "categorical" ? "categorical_accuracy"
                                                         : "accuracy";
      list.push_back(metrics::make_metric(resolved, classes, loss.from_logits));
    }
    all.push_back(std::move(list));
  }
  return all;
}

Logs Trainer::logs_of(double loss, const std::vector<double>& output_losses,
                      const std::vector<std::vector<metrics::MetricPtr>>& metrics) const {
  Logs logs{{"loss", loss}};
  const bool several = outputs_.size() > 1;
  for (std::size_t k = 0; k < outputs_.size(); ++k) {
    const std::string prefix = several ? output_names_[k] + "_" : "";
    if (several && k < output_losses.size()) logs[prefix + "loss"] = output_losses[k];
    for (std::size_t i = 0; i < metrics[k].size(); ++i) logs[prefix + outputs_[k].metrics[i]] = metrics[k][i]->result();
  }
  return logs;
}

namespace {
Tensor batch_weights(const ClassWeights& weights, const Tensor& y) {
  if (weights.empty()) return Tensor();
  const auto labels = y.dtype() == DType::i64 ? y.to_vector<std::int64_t>() : argmax(y, 1).to_vector<std::int64_t>();
  std::vector<float> w(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    auto it = weights.find(labels[i]);
    w[i] = it == weights.end() ? 1.0f : static_cast<float>(it->second);
  }
  return Tensor::from_vector(w, {static_cast<std::int64_t>(w.size())});
}
}  // namespace

Trainer::Batch Trainer::step(const data::Example& batch, const Tensor& sample_weight) {
  optimizer_->zero_grad();
  Batch b = run_batch(batch, sample_weight, true);
  if (std::isfinite(b.loss.value().item())) {
    b.loss.backward();
    optimizer_->step();
    model_->apply_constraints();
  }
  return b;
}

namespace {
void update_metrics(std::vector<std::vector<metrics::MetricPtr>>& metrics, const std::vector<Tensor>& targets,
                    const std::vector<Tensor>& outputs) {
  for (std::size_t k = 0; k < metrics.size(); ++k)
    for (auto& m : metrics[k]) m->update(targets[k], outputs[k]);
}

// Rows [begin, end) of every tensor.
std::vector<Tensor> rows(const std::vector<Tensor>& ts, std::int64_t begin, std::int64_t end) {
  std::vector<Tensor> out;
  for (const Tensor& t : ts) out.push_back(t.slice(0, begin, end));
  return out;
}

// Checks one tensor per model input and output, all with the same number of rows.
void check_data(const char* what, const models::Model& model, const std::vector<Tensor>& x, const std::vector<Tensor>& y) {
  STRATA_CHECK(x.size() == model.num_inputs() && y.size() == model.num_outputs(), what, ": model '", model.name(),
               "' takes ", model.num_inputs(), " input(s) and ", model.num_outputs(), " target(s), but ", x.size(),
               " and ", y.size(), " tensors were given");
  const std::int64_t n = x.at(0).dim() >= 1 ? x[0].size(0) : 0;
  for (const auto* list : {&x, &y})
    for (const Tensor& t : *list)
      STRATA_CHECK(t.defined() && t.dim() >= 1 && t.size(0) == n, what, ": x has ", n, " samples but a tensor of shape ",
                   t.defined() ? shape_str(t.shape()) : std::string("(undefined)"), " has ",
                   t.defined() && t.dim() ? t.size(0) : 0);
}

data::DatasetPtr dataset_of(const std::vector<Tensor>& x, const std::vector<Tensor>& y) {
  if (x.size() == 1 && y.size() == 1) return std::make_shared<data::TensorDataset>(x[0], y[0]);
  return std::make_shared<data::TensorDataset>(x, y);
}
}  // namespace

Logs Trainer::train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  const data::Example batch{x, y, {}, {}};
  const Batch b = step(batch, sample_weight);
  auto list = make_metrics();
  update_metrics(list, {y}, b.outputs);
  return logs_of(b.loss.value().item(), b.output_losses, list);
}

History Trainer::fit(const Tensor& x_all, const Tensor& y_all, const FitOptions& o) {
  STRATA_CHECK(x_all.dim() >= 1 && y_all.dim() >= 1 && x_all.size(0) == y_all.size(0), "fit: x has ",
               x_all.dim() ? x_all.size(0) : 0, " samples but y has ", y_all.dim() ? y_all.size(0) : 0,
               " (shapes ", shape_str(x_all.shape()), " and ", shape_str(y_all.shape()), ")");
  return fit(std::vector<Tensor>{x_all}, std::vector<Tensor>{y_all}, o);
}

History Trainer::fit(const std::vector<Tensor>& x_all, const std::vector<Tensor>& y_all, const FitOptions& o) {
  check_data("fit", *model_, x_all, y_all);
  STRATA_CHECK(o.batch_size_ >= 1, "fit: batch_size must be >= 1, got ", o.batch_size_);
  STRATA_CHECK(o.validation_split_ >= 0 && o.validation_split_ < 1, "fit: validation_split must be in [0, 1), got ",
               o.validation_split_);
  std::vector<Tensor> x = x_all, y = y_all, val_x = o.validation_x, val_y = o.validation_y;
  const std::int64_t n = x_all[0].size(0);
  if (o.validation_split_ > 0 && val_x.empty()) {
    const std::int64_t n_val = static_cast<std::int64_t>(std::floor(double(n) * o.validation_split_));
    const std::int64_t n_train = n - n_val;
    STRATA_CHECK(n_val > 0 && n_train > 0, "fit: validation_split ", o.validation_split_, " of ", n,
                 " samples leaves an empty split");
    x = rows(x_all, 0, n_train);
    y = rows(y_all, 0, n_train);
    val_x = rows(x_all, n_train, n);
    val_y = rows(y_all, n_train, n);
  }
  if (!val_x.empty()) check_data("fit: validation_data", *model_, val_x, val_y);
  data::LoaderOptions train_options;
  train_options.batch_size = o.batch_size_;
  train_options.shuffle = o.shuffle_;
  train_options.seed = seed_;
  data::DataLoader train(dataset_of(x, y), train_options);
  std::unique_ptr<data::DataLoader> validation;
  if (!val_x.empty()) {
    data::LoaderOptions val_options;
    val_options.batch_size = 256;
    val_options.shuffle = false;
    validation = std::make_unique<data::DataLoader>(dataset_of(val_x, val_y), val_options);
  }
  return fit(train, o, validation.get());
}

History Trainer::fit(data::DataLoader& train, const FitOptions& o, data::DataLoader* validation) {
  STRATA_CHECK(o.epochs_ >= 1 && o.initial_epoch_ >= 0, "fit: epochs must be >= 1 and initial_epoch >= 0");
  STRATA_CHECK(o.class_weight_.empty() || outputs_.size() == 1,
               "fit: class_weight is for a model with one output (as in Keras); this one has ", outputs_.size());
  const long steps = train.batches();
  History history;
  stop_training = false;
  for (auto& cb : o.callbacks_) cb->on_train_begin(*this);
  for (int epoch = o.initial_epoch_; epoch < o.epochs_ && !stop_training; ++epoch) {
    // Dropout and other randomness inside the model depend only on (seed, epoch), as the
    // loader's order and augmentation do: resuming from a checkpoint repeats them exactly.
    default_generator().seed(seed_ * 1000003ULL + static_cast<std::uint64_t>(epoch));
    for (auto& cb : o.callbacks_) cb->on_epoch_begin(*this, epoch);
    if (o.verbose_ >= 1) std::printf("Epoch %d/%d\n", epoch + 1, o.epochs_);
    ProgressBar bar(steps, o.verbose_);
    const auto epoch_start = std::chrono::steady_clock::now();
    const double lr = optimizer_->learning_rate();
    double loss_sum = 0;
    std::vector<double> output_loss_sums(outputs_.size(), 0.0);
    std::int64_t seen = 0;
    auto epoch_metrics = make_metrics();
    auto running_logs = [&] {
      std::vector<double> output_losses;
      for (double sum : output_loss_sums) output_losses.push_back(sum / double(seen));
      return logs_of(loss_sum / double(seen), output_losses, epoch_metrics);
    };
    train.start_epoch(epoch, true);
    data::Example batch;
    for (long index = 0; !stop_training && train.next(batch); ++index) {
      const Batch b = step(batch, batch_weights(o.class_weight_, batch.target));
      const double batch_loss = b.loss.value().item();
      loss_sum += batch_loss * double(batch.input.size(0));
      for (std::size_t k = 0; k < outputs_.size(); ++k) output_loss_sums[k] += b.output_losses[k] * double(batch.input.size(0));
      seen += batch.input.size(0);
      update_metrics(epoch_metrics, targets_of(batch), b.outputs);
      for (auto& cb : o.callbacks_) cb->on_batch_end(*this, index, {{"loss", batch_loss}});
      if (bar.wants_update(index + 1)) bar.update(index + 1, running_logs());
    }
    Logs logs = seen ? running_logs() : Logs{};
    if (validation) {
      for (const auto& [k, v] : evaluate(*validation)) logs["val_" + k] = v;
    }
    logs["learning_rate"] = lr;
    bar.finish(logs);
    for (auto& cb : o.callbacks_) cb->on_epoch_end(*this, epoch, logs);
    history.epochs.push_back(epoch);
    for (const auto& [k, v] : logs) history.values[k].push_back(v);
    history.values["time"].push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count());
  }
  for (auto& cb : o.callbacks_) cb->on_train_end(*this);
  return history;
}

Logs Trainer::evaluate(data::DataLoader& loader) {
  NoGradGuard no_grad;
  double loss_sum = 0;
  std::vector<double> output_loss_sums(outputs_.size(), 0.0);
  std::int64_t seen = 0;
  auto list = make_metrics();
  loader.start_epoch(0, false);
  data::Example batch;
  while (loader.next(batch)) {
    Batch b = run_batch(batch, Tensor(), false);
    const double rows = double(batch.input.size(0));
    loss_sum += b.loss.value().item() * rows;
    for (std::size_t k = 0; k < outputs_.size(); ++k) output_loss_sums[k] += b.output_losses[k] * rows;
    update_metrics(list, targets_of(batch), b.outputs);
    seen += batch.input.size(0);
  }
  std::vector<double> output_losses;
  for (double sum : output_loss_sums) output_losses.push_back(sum / double(seen));
  return logs_of(loss_sum / double(seen), output_losses, list);
}

Logs Trainer::evaluate(const Tensor& x, const Tensor& y, int batch_size) {
  STRATA_CHECK(x.dim() >= 1 && y.dim() >= 1 && x.size(0) == y.size(0), "evaluate: x has ", x.dim() ? x.size(0) : 0,
               " samples but y has ", y.dim() ? y.size(0) : 0);
  return evaluate(std::vector<Tensor>{x}, std::vector<Tensor>{y}, batch_size);
}

Logs Trainer::evaluate(const std::vector<Tensor>& x, const std::vector<Tensor>& y, int batch_size) {
  check_data("evaluate", *model_, x, y);
  STRATA_CHECK(x[0].size(0) > 0, "evaluate: no samples");
  data::LoaderOptions options;
  options.batch_size = batch_size;
  options.shuffle = false;
  data::DataLoader loader(dataset_of(x, y), options);
  return evaluate(loader);
}

Tensor Trainer::predict(const Tensor& x, int batch_size) {
  STRATA_CHECK(x.dim() >= 1 && x.size(0) > 0, "predict: expected a batch [N, ...] but got shape ", shape_str(x.shape()));
  return predict_outputs({x}, batch_size).front();
}

std::vector<Tensor> Trainer::predict_outputs(const std::vector<Tensor>& x, int batch_size) {
  STRATA_CHECK(x.size() == model_->num_inputs(), "predict: model '", model_->name(), "' takes ", model_->num_inputs(),
               " input(s) but ", x.size(), " tensors were given");
  for (const Tensor& t : x)
    STRATA_CHECK(t.defined() && t.dim() >= 1 && t.size(0) == x[0].size(0) && t.size(0) > 0,
                 "predict: expected batches [N, ...] with the same N > 0 but got shape ",
                 t.defined() ? shape_str(t.shape()) : std::string("(undefined)"));
  STRATA_CHECK(batch_size >= 1, "predict: batch_size must be >= 1, got ", batch_size);
  NoGradGuard no_grad;
  std::vector<std::vector<Variable>> parts(model_->num_outputs());
  for (std::int64_t begin = 0; begin < x[0].size(0); begin += batch_size) {
    const std::int64_t end = std::min<std::int64_t>(x[0].size(0), begin + batch_size);
    std::vector<Variable> inputs;
    for (const Tensor& t : x) inputs.emplace_back(t.slice(0, begin, end).contiguous());
    const std::vector<Variable> outputs = model_->call_outputs(inputs, false);
    for (std::size_t k = 0; k < outputs.size(); ++k) parts[k].push_back(outputs[k]);
  }
  std::vector<Tensor> out;
  for (const auto& p : parts) out.push_back(p.size() == 1 ? p[0].value() : ops::concat(p, 0).value());
  return out;
}

}  // namespace strata::train
