// Learning-rate schedules, evaluated at the optimizer's step count (as Keras' schedules).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

namespace strata::optim {

class LearningRateSchedule {
 public:
  virtual ~LearningRateSchedule() = default;
  virtual double operator()(long step) const = 0;
  virtual nlohmann::json config() const = 0;
};
using SchedulePtr = std::shared_ptr<const LearningRateSchedule>;

// initial * factor^floor(step / step_size)
SchedulePtr step_decay(double initial, long step_size, double factor);
// initial * rate^(step / decay_steps), floored exponent when staircase
SchedulePtr exponential_decay(double initial, long decay_steps, double rate, bool staircase = false);
// Linear warm-up from 0 to `initial` over warmup_steps, then cosine decay to alpha*initial
// over decay_steps.
SchedulePtr cosine_decay(double initial, long decay_steps, long warmup_steps = 0, double alpha = 0.0);
SchedulePtr schedule_from_config(const nlohmann::json& config);

}  // namespace strata::optim
