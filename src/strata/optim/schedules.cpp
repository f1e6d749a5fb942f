#include "strata/optim/schedules.h"

#include <cmath>
#include <numbers>

#include "strata/tensor/error.h"

namespace strata::optim {
namespace {

class StepDecay final : public LearningRateSchedule {
 public:
  StepDecay(double initial, long step_size, double factor) : initial_(initial), step_size_(step_size), factor_(factor) {
    STRATA_CHECK(step_size > 0, "step_decay: step_size must be positive, got ", step_size);
  }
  double operator()(long step) const override { return initial_ * std::pow(factor_, double(step / step_size_)); }
  nlohmann::json config() const override {
    return {{"class_name", "step_decay"}, {"initial", initial_}, {"step_size", step_size_}, {"factor", factor_}};
  }

 private:
  double initial_;
  long step_size_;
  double factor_;
};

class ExponentialDecay final : public LearningRateSchedule {
 public:
  ExponentialDecay(double initial, long decay_steps, double rate, bool staircase)
      : initial_(initial), decay_steps_(decay_steps), rate_(rate), staircase_(staircase) {
    STRATA_CHECK(decay_steps > 0, "exponential_decay: decay_steps must be positive, got ", decay_steps);
  }
  double operator()(long step) const override {
    double p = double(step) / double(decay_steps_);
    if (staircase_) p = std::floor(p);
    return initial_ * std::pow(rate_, p);
  }
  nlohmann::json config() const override {
    return {{"class_name", "exponential_decay"}, {"initial", initial_}, {"decay_steps", decay_steps_},
            {"rate", rate_},                     {"staircase", staircase_}};
  }

 private:
  double initial_;
  long decay_steps_;
  double rate_;
  bool staircase_;
};

class CosineDecay final : public LearningRateSchedule {
 public:
  CosineDecay(double initial, long decay_steps, long warmup_steps, double alpha)
      : initial_(initial), decay_steps_(decay_steps), warmup_steps_(warmup_steps), alpha_(alpha) {
    STRATA_CHECK(decay_steps > 0 && warmup_steps >= 0, "cosine_decay: decay_steps must be positive and warmup_steps >= 0");
  }
  double operator()(long step) const override {
    if (step < warmup_steps_) return initial_ * double(step + 1) / double(warmup_steps_);
    const double t = std::min(1.0, double(step - warmup_steps_) / double(decay_steps_));
    const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * t));
    return initial_ * ((1.0 - alpha_) * cosine + alpha_);
  }
  nlohmann::json config() const override {
    return {{"class_name", "cosine_decay"}, {"initial", initial_}, {"decay_steps", decay_steps_},
            {"warmup_steps", warmup_steps_}, {"alpha", alpha_}};
  }

 private:
  double initial_;
  long decay_steps_, warmup_steps_;
  double alpha_;
};

}  // namespace

SchedulePtr step_decay(double initial, long step_size, double factor) {
  return std::make_shared<StepDecay>(initial, step_size, factor);
}
SchedulePtr exponential_decay(double initial, long decay_steps, double rate, bool staircase) {
  return std::make_shared<ExponentialDecay>(initial, decay_steps, rate, staircase);
}
SchedulePtr cosine_decay(double initial, long decay_steps, long warmup_steps, double alpha) {
  return std::make_shared<CosineDecay>(initial, decay_steps, warmup_steps, alpha);
}

SchedulePtr schedule_from_config(const nlohmann::json& c) {
  const std::string name = c.at("class_name");
  if (name == "step_decay") return step_decay(c.at("initial"), c.at("step_size"), c.at("factor"));
  if (name == "exponential_decay")
    return exponential_decay(c.at("initial"), c.at("decay_steps"), c.at("rate"), c.value("staircase", false));
  if (name == "cosine_decay")
    return cosine_decay(c.at("initial"), c.at("decay_steps"), c.value("warmup_steps", 0L), c.value("alpha", 0.0));
  throw Error(detail::concat("schedule_from_config: unknown schedule \"", name, "\""));
}

}  // namespace strata::optim
