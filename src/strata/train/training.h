// compile / fit / evaluate / predict, Keras-style:
//
//   auto model = std::make_shared<models::Sequential>(Shape{1, 28, 28}, std::vector<nn::LayerPtr>{...});
//   auto trained = train::compile(model, "adam", "sparse_categorical_crossentropy", {"accuracy"});
//   train::History h = trained.fit(x, y, train::FitOptions().epochs(5).batch_size(64).validation_split(0.1));
//   auto logs = trained.evaluate(x_test, y_test);      // {"loss": ..., "accuracy": ...}
//   Tensor probabilities = trained.predict(x_test);
//
// A model with several outputs gets a loss, metrics and a weight per output, and several
// tensors wherever it reads or writes data (logs then name each output: "<output>_loss",
// "<output>_<metric>", and "loss" is the weighted total):
//   auto trained = train::compile(model, "adam", {{"sparse_categorical_crossentropy", {"accuracy"}},
//                                                 {"mse", {"mae"}, 0.5}});
//   trained.fit({images}, {labels, boxes}, options);
//   std::vector<Tensor> outputs = trained.predict_outputs({images});
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strata/tensor/options.h"
#include "strata/data/loader.h"
#include "strata/io/model_io.h"
#include "strata/metrics/metric.h"
#include "strata/models/model.h"
#include "strata/optim/optimizer.h"
#include "strata/train/losses.h"

namespace strata::train {

using Logs = std::map<std::string, double>;
class Trainer;

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(Trainer&) {}
  virtual void on_epoch_begin(Trainer&, int /*epoch*/) {}
  virtual void on_batch_end(Trainer&, long /*batch*/, const Logs&) {}
  // Epochs count from 0, as Keras; logs hold the epoch's loss, metrics and val_ figures.
  virtual void on_epoch_end(Trainer&, int /*epoch*/, Logs&) {}
  virtual void on_train_end(Trainer&) {}
};
using CallbackPtr = std::shared_ptr<Callback>;

struct History {
  std::vector<int> epochs;
  std::map<std::string, std::vector<double>> values;  // "loss", "val_loss", "accuracy", "learning_rate", "time" (s), ...
  nlohmann::json to_json() const { return {{"epochs", epochs}, {"values", values}}; }
};

using ClassWeights = std::map<std::int64_t, double>;

struct FitOptions {
  STRATA_OPTION(FitOptions, int, epochs, 1)
  STRATA_OPTION(FitOptions, int, initial_epoch, 0)  // resume: epochs run from initial_epoch to epochs
  STRATA_OPTION(FitOptions, int, batch_size, 32)
  STRATA_OPTION(FitOptions, double, validation_split, 0.0)  // the last fraction of x/y, taken before shuffling
  STRATA_OPTION(FitOptions, bool, shuffle, true)
  STRATA_OPTION(FitOptions, int, verbose, 1)  // 0 silent, 1 progress bar, 2 one line per epoch
  STRATA_OPTION(FitOptions, std::vector<CallbackPtr>, callbacks, {})
  STRATA_OPTION(FitOptions, ClassWeights, class_weight, {})
  std::vector<Tensor> validation_x, validation_y;  // one tensor per model input / output
  FitOptions& validation_data(Tensor x, Tensor y) { return validation_data(std::vector<Tensor>{x}, std::vector<Tensor>{y}); }
  FitOptions& validation_data(std::vector<Tensor> x, std::vector<Tensor> y) {
    validation_x = std::move(x);
    validation_y = std::move(y);
    return *this;
  }
};

// One output of a model under training: its loss, the metrics reported for it and its weight
// in the total loss (Keras' loss_weights).
struct OutputTarget {
  Loss loss;
  std::vector<std::string> metrics;
  double weight = 1.0;
};
// The same by name, for compile(): {"mse", {"mae"}, 0.5}; a masked language model's
// {"sparse_categorical_crossentropy", {}, 1.0, /*from_logits=*/true, /*ignore_class=*/-1}.
struct OutputLoss {
  std::string loss;
  std::vector<std::string> metrics = {};
  double weight = 1.0;
  bool from_logits = false;
  std::optional<std::int64_t> ignore_class = std::nullopt;  // see loss_by_name
};

class Trainer {
 public:
  Trainer(std::shared_ptr<models::Model> model, std::unique_ptr<optim::Optimizer> optimizer, Loss loss,
          std::vector<std::string> metrics);
  // One target per model output, in the model's output order.
  Trainer(std::shared_ptr<models::Model> model, std::unique_ptr<optim::Optimizer> optimizer,
          std::vector<OutputTarget> outputs);

  // x [N, ...] f32; y: i64 labels [N] or f32 targets [N, ...].
  History fit(const Tensor& x, const Tensor& y, const FitOptions& options = {});
  // A model with several inputs or outputs: one tensor per input and per output, same N.
  History fit(const std::vector<Tensor>& x, const std::vector<Tensor>& y, const FitOptions& options = {});
  // From a data pipeline (its batch size, shuffling, augmentation and workers apply; the
  // options' batch_size, validation_split, validation_data and shuffle do not).
  History fit(data::DataLoader& train, const FitOptions& options = {}, data::DataLoader* validation = nullptr);
  Logs evaluate(const Tensor& x, const Tensor& y, int batch_size = 256);
  Logs evaluate(const std::vector<Tensor>& x, const std::vector<Tensor>& y, int batch_size = 256);
  Logs evaluate(data::DataLoader& loader);
  // Model outputs for x, in inference mode without recording gradients (the first output).
  Tensor predict(const Tensor& x, int batch_size = 256);
  // Every output, for one tensor per model input.
  std::vector<Tensor> predict_outputs(const std::vector<Tensor>& x, int batch_size = 256);
  // One optimizer step on one batch; returns the batch's loss and metrics.
  Logs train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight = Tensor());

  // After freezing or unfreezing layers: the optimizer updates exactly the model's trainable
  // variables again (Keras needs a new compile() for this; state of kept variables survives).
  void refresh_trainable() { optimizer_->update_parameters(model_->trainable_variables()); }

  models::Model& model() { return *model_; }
  const std::shared_ptr<models::Model>& model_ptr() const { return model_; }
  optim::Optimizer& optimizer() { return *optimizer_; }
  const Loss& loss() const { return outputs_.front().loss; }  // the first output's
  const std::vector<std::string>& metrics() const { return outputs_.front().metrics; }
  const std::vector<OutputTarget>& outputs() const { return outputs_; }
  // What compile() was given, for saving: {"loss", "from_logits", "metrics", "seed"}, and for
  // several outputs "outputs": [{"loss", "from_logits", "metrics", "weight"}, ...].
  nlohmann::json training_config() const;
  // Each epoch reseeds the global generator from (seed, epoch), so shuffling, dropout and
  // augmentation of epoch e are the same whether training ran straight through or resumed
  // from a checkpoint. Drawn from the global generator at compile time unless set.
  std::uint64_t seed() const { return seed_; }
  void set_seed(std::uint64_t seed) { seed_ = seed; }
  // Set by a callback to end fit() after the current epoch (or batch).
  bool stop_training = false;

 private:
  struct Batch {
    Variable loss;                     // the weighted total (plus regularization in training)
    std::vector<double> output_losses;  // each output's own loss
    std::vector<Tensor> outputs;
  };
  Batch run_batch(const data::Example& batch, const Tensor& sample_weight, bool training);
  // Fresh streaming metrics for compile()'s names, per output ("accuracy" follows the loss:
  // sparse, categorical or binary).
  std::vector<std::vector<metrics::MetricPtr>> make_metrics() const;
  // The logs of a pass: "loss" and the metrics, with each output's name in front when there
  // are several ("<output>_loss", "<output>_<metric>").
  Logs logs_of(double loss, const std::vector<double>& output_losses,
               const std::vector<std::vector<metrics::MetricPtr>>& metrics) const;
  // One optimizer step; returns the loss and the model outputs.
  Batch step(const data::Example& batch, const Tensor& sample_weight);

  std::shared_ptr<models::Model> model_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  std::vector<OutputTarget> outputs_;
  std::vector<std::string> output_names_;
  std::uint64_t seed_;
};

// Re-estimates every BatchNormalization's moving statistics for the model's current weights:
// one pass over `x` in training mode without gradients or weight updates, each batch's
// statistics weighted equally (PyTorch's torch.optim.swa_utils.update_bn). Use it after few
// training steps or a weight average, when the moving averages still describe older weights.
void update_batch_norm(models::Model& model, const Tensor& x, int batch_size = 64);

// compile(): the optimizer by name (Keras' default learning rate unless one is given) or object.
Trainer compile(std::shared_ptr<models::Model> model, const std::string& optimizer, const std::string& loss,
                std::vector<std::string> metrics = {}, double learning_rate = 0.0, bool from_logits = false);
Trainer compile(std::shared_ptr<models::Model> model, std::unique_ptr<optim::Optimizer> optimizer, Loss loss,
                std::vector<std::string> metrics = {});
// A loss, metrics and weight per model output, in the model's output order.
Trainer compile(std::shared_ptr<models::Model> model, const std::string& optimizer, const std::vector<OutputLoss>& outputs,
                double learning_rate = 0.0);

// Resumes from a loaded model file: its optimizer and state, loss, metrics and seed
// (a file without training state gets Adam and sparse categorical cross-entropy).
Trainer restore(io::LoadedModel loaded);

}  // namespace strata::train
