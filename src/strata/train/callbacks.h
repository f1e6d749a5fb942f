// Keras' callbacks. `monitor` names a value of the epoch logs ("val_loss", "accuracy", ...);
// mode "auto" minimizes losses and errors and maximizes everything else.
#pragma once

#include <fstream>
#include <functional>
#include <string>

#include "strata/train/training.h"

namespace strata::train {

enum class Mode { automatic, min, max };

// Tracks the best value of a monitored quantity.
class Monitor {
 public:
  Monitor(std::string key, Mode mode, double min_delta);
  // The monitored value in `logs`; throws listing the available keys when it is missing.
  double value(const Logs& logs) const;
  // True when v beats the best so far by more than min_delta (the first value always does).
  bool improved(double v) const;
  bool minimize() const { return minimize_; }
  void record(double v) { best_ = v; seen_ = true; }
  double best() const { return best_; }
  const std::string& key() const { return key_; }

 private:
  std::string key_;
  bool minimize_;
  double min_delta_;
  double best_ = 0;
  bool seen_ = false;
};

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  double min_delta = 0.0;
  int patience = 0;
  Mode mode = Mode::automatic;
  bool restore_best_weights = false;
};

// Stops when the monitored value has not improved for `patience` epochs; optionally puts back
// the weights of the best epoch.
class EarlyStopping final : public Callback {
 public:
  explicit EarlyStopping(EarlyStoppingOptions options = {});
  void on_train_begin(Trainer&) override;
  void on_epoch_end(Trainer& t, int epoch, Logs& logs) override;
  void on_train_end(Trainer& t) override;
  int stopped_epoch() const { return stopped_epoch_; }  // -1 when training ran to the end
  int best_epoch() const { return best_epoch_; }

 private:
  EarlyStoppingOptions o_;
  Monitor monitor_;
  int wait_ = 0, stopped_epoch_ = -1, best_epoch_ = -1;
  std::vector<Tensor> best_weights_;
};

// Saves the model (architecture, weights, optimizer state) after each epoch, or only when the
// monitored value improves. "{epoch}" in the path is replaced by the 1-based epoch number.
class ModelCheckpoint final : public Callback {
 public:
  ModelCheckpoint(std::string path, std::string monitor = "val_loss", bool save_best_only = false,
                  bool save_weights_only = false, Mode mode = Mode::automatic);
  void on_epoch_end(Trainer& t, int epoch, Logs& logs) override;

 private:
  std::string path_;
  bool save_best_only_, save_weights_only_;
  Monitor monitor_;
};

// Multiplies the learning rate by `factor` after `patience` epochs without improvement.
class ReduceLROnPlateau final : public Callback {
 public:
  ReduceLROnPlateau(std::string monitor = "val_loss", double factor = 0.1, int patience = 10, double min_delta = 1e-4,
                    int cooldown = 0, double min_lr = 0.0, Mode mode = Mode::automatic);
  void on_epoch_end(Trainer& t, int epoch, Logs& logs) override;

 private:
  Monitor monitor_;
  double factor_;
  int patience_, cooldown_;
  double min_lr_;
  int wait_ = 0, cooldown_left_ = 0;
};

// Sets the learning rate at the start of each epoch from schedule(epoch, current rate).
class LearningRateScheduler final : public Callback {
 public:
  explicit LearningRateScheduler(std::function<double(int, double)> schedule);
  void on_epoch_begin(Trainer& t, int epoch) override;

 private:
  std::function<double(int, double)> schedule_;
};

// Gradual unfreezing (ULMFiT): every `every` epochs the next boundary layer is reached and the
// layers after it become trainable (layers up to it stay frozen), top of the network first:
// boundaries = {"layer3.1.relu", "layer2.1.relu", "layer1.1.relu"} unfreezes the head's
// neighbours first. Start with everything but the head frozen. The optimizer follows at once
// (Trainer::refresh_trainable).
class GradualUnfreezing final : public Callback {
 public:
  GradualUnfreezing(std::vector<std::string> boundaries, int every_epochs = 1);
  void on_epoch_begin(Trainer& t, int epoch) override;
  int unfrozen_stages() const { return stage_; }

 private:
  std::vector<std::string> boundaries_;
  int every_;
  int stage_ = 0;
};

// Stops training as soon as a batch loss is NaN or infinite.
class TerminateOnNaN final : public Callback {
 public:
  void on_batch_end(Trainer& t, long batch, const Logs& logs) override;
  // Also checks the weights once per epoch: cheap insurance for a non-finite weight that a
  // finite-looking loss hides.
  void on_epoch_end(Trainer& t, int epoch, Logs& logs) override;
  bool terminated() const { return terminated_; }

 private:
  bool terminated_ = false;
};

// Appends one CSV row per epoch: epoch, then the logs' keys in sorted order.
class CSVLogger final : public Callback {
 public:
  explicit CSVLogger(std::string path, bool append = false);
  void on_train_begin(Trainer&) override;
  void on_epoch_end(Trainer& t, int epoch, Logs& logs) override;

 private:
  std::string path_;
  bool append_;
  std::ofstream out_;
  bool header_written_ = false;
};

}  // namespace strata::train
