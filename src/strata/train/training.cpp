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
    : model_(std::move(model)), optimizer_(std::move(optimizer)), loss_(std::move(loss)), metrics_(std::move(metrics)),
      seed_(default_generator().next() >> 1) {
  STRATA_CHECK(model_ && optimizer_ && loss_.fn, "compile: needs a model, an optimizer and a loss");
  make_metrics();  // validates the names now rather than at the first epoch
}

Trainer compile(std::shared_ptr<models::Model> model, const std::string& optimizer, const std::string& loss,
                std::vector<std::string> metrics, double learning_rate, bool from_logits) {
  STRATA_CHECK(model, "compile: model is null");
  model->ensure_built();
  STRATA_CHECK(model->built(), "compile: model '", model->name(), "' is not built; give it an input shape");
  optim::OptimizerOptions o;
  o.learning_rate = learning_rate;
  auto opt = optim::make_optimizer(optimizer, model->trainable_variables(), o, learning_rate <= 0);
  return Trainer(std::move(model), std::move(opt), loss_by_name(loss, from_logits), std::move(metrics));
}

Trainer compile(std::shared_ptr<models::Model> model, std::unique_ptr<optim::Optimizer> optimizer, Loss loss,
                std::vector<std::string> metrics) {
  return Trainer(std::move(model), std::move(optimizer), std::move(loss), std::move(metrics));
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
  const std::string loss = c.is_null() ? "sparse_categorical_crossentropy" : c.value("loss", std::string("sparse_categorical_crossentropy"));
  const bool from_logits = !c.is_null() && c.value("from_logits", false);
  std::vector<std::string> metrics = c.is_null() ? std::vector<std::string>{"accuracy"} : c.value("metrics", std::vector<std::string>{});
  auto optimizer = loaded.optimizer ? std::move(loaded.optimizer)
                                    : optim::make_optimizer("adam", loaded.model->trainable_variables());
  Trainer t(loaded.model, std::move(optimizer), loss_by_name(loss, from_logits), std::move(metrics));
  if (!c.is_null() && c.contains("seed")) t.set_seed(c["seed"].get<std::uint64_t>());
  return t;
}

nlohmann::json Trainer::training_config() const {
  return {{"loss", loss_.name}, {"from_logits", loss_.from_logits}, {"metrics", metrics_}, {"seed", seed_}};
}

Trainer::Batch Trainer::run_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight, bool training) {
  Variable output = model_->forward_batch(Variable(x), training);
  Variable loss;
  if (sample_weight.defined()) {
    // Keras: sum(w_i * loss_i) / batch size.
    Variable per_sample = loss_.fn(output, y, ops::Reduction::none);
    while (per_sample.dim() > 1) per_sample = ops::mean(per_sample, {-1});
    loss = ops::mean(ops::mul(per_sample, Variable(sample_weight.reshape(per_sample.shape()))));
  } else {
    loss = loss_.fn(output, y, ops::Reduction::mean);
  }
  if (training) {
    Variable reg = model_->regularization_loss();
    if (reg.defined()) loss = ops::add(loss, reg);
  }
  return {loss, output.value()};
}

std::vector<metrics::MetricPtr> Trainer::make_metrics() const {
  const Shape out = model_->built() ? model_->output_shape() : Shape{};
  const std::int64_t classes = out.empty() ? 0 : out.back();
  std::vector<metrics::MetricPtr> list;
  for (const auto& name : metrics_) {
    std::string resolved = name;
    if (name == "accuracy")
      resolved = loss_.accuracy_kind == "binary" ? "binary_accuracy"
                 : loss_.accuracy_kind == "categorical" ? "categorical_accuracy"
                                                        : "accuracy";
    list.push_back(metrics::make_metric(resolved, classes, loss_.from_logits));
  }
  return list;
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

Trainer::Batch Trainer::step(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  optimizer_->zero_grad();
  Batch b = run_batch(x, y, sample_weight, true);
  if (std::isfinite(b.loss.value().item())) {
    b.loss.backward();
    optimizer_->step();
    model_->apply_constraints();
  }
  return b;
}

Logs Trainer::train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  const Batch b = step(x, y, sample_weight);
  Logs logs{{"loss", b.loss.value().item()}};
  auto list = make_metrics();
  for (std::size_t i = 0; i < list.size(); ++i) {
    list[i]->update(y, b.output);
    logs[metrics_[i]] = list[i]->result();
  }
  return logs;
}

History Trainer::fit(const Tensor& x_all, const Tensor& y_all, const FitOptions& o) {
  STRATA_CHECK(x_all.dim() >= 1 && y_all.dim() >= 1 && x_all.size(0) == y_all.size(0), "fit: x has ",
               x_all.dim() ? x_all.size(0) : 0, " samples but y has ", y_all.dim() ? y_all.size(0) : 0,
               " (shapes ", shape_str(x_all.shape()), " and ", shape_str(y_all.shape()), ")");
  STRATA_CHECK(o.batch_size_ >= 1, "fit: batch_size must be >= 1, got ", o.batch_size_);
  STRATA_CHECK(o.validation_split_ >= 0 && o.validation_split_ < 1, "fit: validation_split must be in [0, 1), got ",
               o.validation_split_);
  Tensor x = x_all, y = y_all, val_x = o.validation_x, val_y = o.validation_y;
  if (o.validation_split_ > 0 && !val_x.defined()) {
    const std::int64_t n_val = static_cast<std::int64_t>(std::floor(x_all.size(0) * o.validation_split_));
    const std::int64_t n_train = x_all.size(0) - n_val;
    STRATA_CHECK(n_val > 0 && n_train > 0, "fit: validation_split ", o.validation_split_, " of ", x_all.size(0),
                 " samples leaves an empty split");
    x = x_all.slice(0, 0, n_train);
    y = y_all.slice(0, 0, n_train);
    val_x = x_all.slice(0, n_train, x_all.size(0));
    val_y = y_all.slice(0, n_train, y_all.size(0));
  }
  data::LoaderOptions train_options;
  train_options.batch_size = o.batch_size_;
  train_options.shuffle = o.shuffle_;
  train_options.seed = seed_;
  data::DataLoader train(std::make_shared<data::TensorDataset>(x, y), train_options);
  std::unique_ptr<data::DataLoader> validation;
  if (val_x.defined()) {
    data::LoaderOptions val_options;
    val_options.batch_size = 256;
    val_options.shuffle = false;
    validation = std::make_unique<data::DataLoader>(std::make_shared<data::TensorDataset>(val_x, val_y), val_options);
  }
  return fit(train, o, validation.get());
}

History Trainer::fit(data::DataLoader& train, const FitOptions& o, data::DataLoader* validation) {
  STRATA_CHECK(o.epochs_ >= 1 && o.initial_epoch_ >= 0, "fit: epochs must be >= 1 and initial_epoch >= 0");
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
    std::int64_t seen = 0;
    auto epoch_metrics = make_metrics();
    auto running_logs = [&] {
      Logs l{{"loss", loss_sum / double(seen)}};
      for (std::size_t i = 0; i < epoch_metrics.size(); ++i) l[metrics_[i]] = epoch_metrics[i]->result();
      return l;
    };
    train.start_epoch(epoch, true);
    data::Example batch;
    for (long index = 0; !stop_training && train.next(batch); ++index) {
      const Batch b = step(batch.input, batch.target, batch_weights(o.class_weight_, batch.target));
      const double batch_loss = b.loss.value().item();
      loss_sum += batch_loss * double(batch.input.size(0));
      seen += batch.input.size(0);
      for (auto& m : epoch_metrics) m->update(batch.target, b.output);
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
  std::int64_t seen = 0;
  auto list = make_metrics();
  loader.start_epoch(0, false);
  data::Example batch;
  while (loader.next(batch)) {
    Batch b = run_batch(batch.input, batch.target, Tensor(), false);
    loss_sum += b.loss.value().item() * double(batch.input.size(0));
    for (auto& m : list) m->update(batch.target, b.output);
    seen += batch.input.size(0);
  }
  Logs logs{{"loss", loss_sum / double(seen)}};
  for (std::size_t i = 0; i < list.size(); ++i) logs[metrics_[i]] = list[i]->result();
  return logs;
}

Logs Trainer::evaluate(const Tensor& x, const Tensor& y, int batch_size) {
  STRATA_CHECK(x.dim() >= 1 && y.dim() >= 1 && x.size(0) == y.size(0), "evaluate: x has ", x.dim() ? x.size(0) : 0,
               " samples but y has ", y.dim() ? y.size(0) : 0);
  STRATA_CHECK(x.size(0) > 0, "evaluate: no samples");
  data::LoaderOptions options;
  options.batch_size = batch_size;
  options.shuffle = false;
  data::DataLoader loader(std::make_shared<data::TensorDataset>(x, y), options);
  return evaluate(loader);
}

Tensor Trainer::predict(const Tensor& x, int batch_size) {
  STRATA_CHECK(x.dim() >= 1 && x.size(0) > 0, "predict: expected a batch [N, ...] but got shape ", shape_str(x.shape()));
  NoGradGuard no_grad;
  std::vector<Variable> parts;
  for (std::int64_t begin = 0; begin < x.size(0); begin += batch_size) {
    const std::int64_t end = std::min<std::int64_t>(x.size(0), begin + batch_size);
    parts.push_back(model_->forward_batch(Variable(x.slice(0, begin, end).contiguous()), false));
  }
  return parts.size() == 1 ? parts[0].value() : ops::concat(parts, 0).value();
}

}  // namespace strata::train
