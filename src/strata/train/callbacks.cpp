#include "strata/train/callbacks.h"

#include "strata/tensor/math.h"

#include "strata/models/transfer.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "strata/io/model_io.h"

namespace strata::train {

// ---------------------------------------------------------------- Monitor
Monitor::Monitor(std::string key, Mode mode, double min_delta) : key_(std::move(key)), min_delta_(std::fabs(min_delta)) {
  if (mode == Mode::automatic) {
    const bool error_like = key_.find("loss") != std::string::npos || key_.find("mae") != std::string::npos ||
                            key_.find("mse") != std::string::npos || key_.find("error") != std::string::npos;
    minimize_ = error_like;
  } else {
    minimize_ = mode == Mode::min;
  }
}

double Monitor::value(const Logs& logs) const {
  auto it = logs.find(key_);
  if (it != logs.end()) return it->second;
  std::string keys;
  for (const auto& [k, v] : logs) keys += (keys.empty() ? "" : ", ") + k;
  throw Error(detail::concat("callback: monitored value \"", key_, "\" is not in the logs (available: ", keys,
                             "); validation values need validation data"));
}

bool Monitor::improved(double v) const {
  if (!seen_) return std::isfinite(v);
  return minimize_ ? v < best_ - min_delta_ : v > best_ + min_delta_;
}

// ---------------------------------------------------------------- EarlyStopping
EarlyStopping::EarlyStopping(EarlyStoppingOptions o) : o_(std::move(o)), monitor_(o_.monitor, o_.mode, o_.min_delta) {}

void EarlyStopping::on_train_begin(Trainer&) {
  monitor_ = Monitor(o_.monitor, o_.mode, o_.min_delta);
  wait_ = 0;
  stopped_epoch_ = best_epoch_ = -1;
  best_weights_.clear();
}

void EarlyStopping::on_epoch_end(Trainer& t, int epoch, Logs& logs) {
  const double v = monitor_.value(logs);
  if (monitor_.improved(v)) {
    monitor_.record(v);
    best_epoch_ = epoch;
    wait_ = 0;
    if (o_.restore_best_weights) {
      best_weights_.clear();
      for (auto* w : t.model().weights()) best_weights_.push_back(w->variable.value().clone());
    }
    return;
  }
  if (++wait_ >= o_.patience) {  // Keras: stop once `patience` epochs in a row did not improve
    stopped_epoch_ = epoch;
    t.stop_training = true;
  }
}

void EarlyStopping::on_train_end(Trainer& t) {
  if (!o_.restore_best_weights || best_weights_.empty() || stopped_epoch_ < 0) return;
  const auto weights = t.model().weights();
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i]->variable.mutable_value().copy_(best_weights_[i]);
}

// ---------------------------------------------------------------- ModelCheckpoint
ModelCheckpoint::ModelCheckpoint(std::string path, std::string monitor, bool save_best_only, bool save_weights_only,
                                 Mode mode)
    : path_(std::move(path)), save_best_only_(save_best_only), save_weights_only_(save_weights_only),
      monitor_(std::move(monitor), mode, 0.0) {}

void ModelCheckpoint::on_epoch_end(Trainer& t, int epoch, Logs& logs) {
  if (save_best_only_) {
    const double v = monitor_.value(logs);
    if (!monitor_.improved(v)) return;
    monitor_.record(v);
  }
  std::string path = path_;
  const auto at = path.find("{epoch}");
  if (at != std::string::npos) path.replace(at, 7, std::to_string(epoch + 1));
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  if (save_weights_only_)
    io::save_weights(path, t.model());
  else
    io::save_model(path, t.model(), &t.optimizer(), t.training_config());
}

// ---------------------------------------------------------------- ReduceLROnPlateau
ReduceLROnPlateau::ReduceLROnPlateau(std::string monitor, double factor, int patience, double min_delta, int cooldown,
                                     double min_lr, Mode mode)
    : monitor_(std::move(monitor), mode, min_delta), factor_(factor), patience_(patience), cooldown_(cooldown),
      min_lr_(min_lr) {
  STRATA_CHECK(factor > 0 && factor < 1, "ReduceLROnPlateau: factor must be in (0, 1), got ", factor);
}

void ReduceLROnPlateau::on_epoch_end(Trainer& t, int, Logs& logs) {
  const double v = monitor_.value(logs);
  if (cooldown_left_ > 0) --cooldown_left_;
  if (monitor_.improved(v)) {
    monitor_.record(v);
    wait_ = 0;
    return;
  }
  if (cooldown_left_ > 0) return;
  if (++wait_ >= patience_) {
    const double lr = t.optimizer().learning_rate();
    const double reduced = std::max(lr * factor_, min_lr_);
    if (reduced < lr) t.optimizer().set_learning_rate(reduced);
    cooldown_left_ = cooldown_;
    wait_ = 0;
  }
}

// ---------------------------------------------------------------- LearningRateScheduler, TerminateOnNaN
LearningRateScheduler::LearningRateScheduler(std::function<double(int, double)> schedule) : schedule_(std::move(schedule)) {}

void LearningRateScheduler::on_epoch_begin(Trainer& t, int epoch) {
  t.optimizer().set_learning_rate(schedule_(epoch, t.optimizer().learning_rate()));
}

void TerminateOnNaN::on_batch_end(Trainer& t, long batch, const Logs& logs) {
  auto it = logs.find("loss");
  if (it != logs.end() && !std::isfinite(it->second)) {
    std::fprintf(stderr, "Batch %ld: invalid loss %g, terminating training\n", batch, it->second);
    terminated_ = true;
    t.stop_training = true;
  }
}

void TerminateOnNaN::on_epoch_end(Trainer& t, int epoch, Logs&) {
  for (const auto& w : t.model().named_weights())
    if (!all_finite(w.weight->variable.value())) {
      std::fprintf(stderr, "Epoch %d: weight %s is NaN or infinite, terminating training\n", epoch + 1, w.name.c_str());
      terminated_ = true;
      t.stop_training = true;
      return;
    }
}

// ---------------------------------------------------------------- CSVLogger
CSVLogger::CSVLogger(std::string path, bool append) : path_(std::move(path)), append_(append) {}

void CSVLogger::on_train_begin(Trainer&) {
  const bool existed = std::filesystem::exists(path_) && std::filesystem::file_size(path_) > 0;
  out_.open(path_, append_ ? std::ios::app : std::ios::trunc);
  STRATA_CHECK(out_.good(), "CSVLogger: cannot write '", path_, "'");
  header_written_ = append_ && existed;
}

void CSVLogger::on_epoch_end(Trainer&, int epoch, Logs& logs) {
  if (!header_written_) {
    out_ << "epoch";
    for (const auto& [k, v] : logs) out_ << "," << k;
    out_ << "\n";
    header_written_ = true;
  }
  out_ << epoch;
  for (const auto& [k, v] : logs) out_ << "," << v;
  out_ << "\n";
  out_.flush();
}

GradualUnfreezing::GradualUnfreezing(std::vector<std::string> boundaries, int every_epochs)
    : boundaries_(std::move(boundaries)), every_(every_epochs) {
  STRATA_CHECK(every_ >= 1, "GradualUnfreezing: every_epochs must be at least 1, got ", every_);
}

void GradualUnfreezing::on_epoch_begin(Trainer& t, int epoch) {
  const int stage = std::min<int>(epoch / every_, static_cast<int>(boundaries_.size()));
  if (stage <= stage_) return;
  stage_ = stage;
  models::freeze_up_to(t.model(), boundaries_[static_cast<std::size_t>(stage - 1)]);
  t.refresh_trainable();
}

}  // namespace strata::train
