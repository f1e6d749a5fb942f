// Optimizers with Keras' names and options. Every step():
//   1. clips gradients (clipvalue element-wise, clipnorm per parameter, global_clipnorm over all),
//   2. decays weights by lr * weight_decay * w (decoupled, as every Keras 3 optimizer does),
//   3. applies the update in one fused pass over each parameter's elements.
// The learning rate is a constant or a schedule of the step count. state()/load_state()
// carry everything needed to resume training exactly.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/autograd/variable.h"
#include "strata/optim/schedules.h"

namespace strata::optim {

struct OptimizerOptions {
  double learning_rate = 1e-3;
  SchedulePtr schedule;        // overrides learning_rate when set
  double weight_decay = 0.0;
  double clipvalue = 0.0;      // 0: off
  double clipnorm = 0.0;       // per parameter; 0: off
  double global_clipnorm = 0.0;
};

class Optimizer {
 public:
  Optimizer(std::vector<Variable> parameters, OptimizerOptions options);
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;

  void step();
  void zero_grad();
  // The rate the next step() will use.
  double learning_rate() const;
  // Replaces the rate (and drops any schedule), e.g. from ReduceLROnPlateau.
  void set_learning_rate(double lr);
  long iterations() const { return iterations_; }
  const std::vector<Variable>& parameters() const { return parameters_; }
  // Discriminative fine-tuning: parameter i steps with learning_rate() * multipliers[i] (one
  // per parameter, in parameters() order; empty: 1 for all). See train::layer_learning_rates.
  void set_learning_rate_multipliers(std::vector<double> multipliers);
  const std::vector<double>& learning_rate_multipliers() const { return multipliers_; }
  // Changes which variables it updates (after freezing or unfreezing layers): a variable it
  // already had keeps its state (momentum, Adam's moments), a new one starts fresh; learning-
  // rate multipliers are dropped.
  void update_parameters(std::vector<Variable> parameters);
  // Rebinds to another model's parameters of the same shapes (after loading a model).
  void set_parameters(std::vector<Variable> parameters);

  // Slot tensors by "<parameter index>/<slot>", plus {"iterations", "learning_rate"} in json.
  std::map<std::string, Tensor> state_tensors() const;
  nlohmann::json state_json() const;
  void load_state(const std::map<std::string, Tensor>& tensors, const nlohmann::json& json);
  virtual nlohmann::json config() const;

 protected:
  // Updates one parameter p (n floats) with gradient g, using its slots.
  virtual void update(float* p, const float* g, std::int64_t n, std::vector<Tensor>& slots, float lr) = 0;
  virtual std::size_t slot_count() const = 0;
  OptimizerOptions options_;

 private:
  std::vector<Variable> parameters_;
  std::vector<std::vector<Tensor>> slots_;  // per parameter
  std::vector<double> multipliers_;         // per parameter, or empty
  long iterations_ = 0;
};

// SGD with momentum (PyTorch/Keras 3 form: v = m*v + g; p -= lr*v) and Nesterov.
class SGD final : public Optimizer {
 public:
  SGD(std::vector<Variable> parameters, OptimizerOptions options = {}, double momentum = 0.0, bool nesterov = false);
  SGD(std::vector<Variable> parameters, double learning_rate, double momentum = 0.0, bool nesterov = false);
  std::string name() const override { return "sgd"; }
  nlohmann::json config() const override;

 protected:
  void update(float* p, const float* g, std::int64_t n, std::vector<Tensor>& slots, float lr) override;
  std::size_t slot_count() const override { return momentum_ > 0 ? 1 : 0; }

 private:
  double momentum_;
  bool nesterov_;
};

// Adam in Keras' form: p -= lr * sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + epsilon).
// AdamW is Adam with weight decay on by default (0.004, as Keras).
class Adam final : public Optimizer {
 public:
  Adam(std::vector<Variable> parameters, OptimizerOptions options = {}, double beta1 = 0.9, double beta2 = 0.999,
       double epsilon = 1e-7, bool decoupled_weight_decay = false);
  Adam(std::vector<Variable> parameters, double learning_rate, double beta1 = 0.9, double beta2 = 0.999,
       double epsilon = 1e-7);
  std::string name() const override { return decoupled_ ? "adamw" : "adam"; }
  nlohmann::json config() const override;

 protected:
  void update(float* p, const float* g, std::int64_t n, std::vector<Tensor>& slots, float lr) override;
  std::size_t slot_count() const override { return 2; }

 private:
  double beta1_, beta2_, epsilon_;
  bool decoupled_;
};

// RMSprop (Keras: rho 0.9, epsilon 1e-7, optional momentum).
class RMSprop final : public Optimizer {
 public:
  RMSprop(std::vector<Variable> parameters, OptimizerOptions options = {}, double rho = 0.9, double momentum = 0.0,
          double epsilon = 1e-7);
  std::string name() const override { return "rmsprop"; }
  nlohmann::json config() const override;

 protected:
  void update(float* p, const float* g, std::int64_t n, std::vector<Tensor>& slots, float lr) override;
  std::size_t slot_count() const override { return 2; }

 private:
  double rho_, momentum_, epsilon_;
};

// Adagrad (Keras: initial accumulator 0.1, epsilon 1e-7).
class Adagrad final : public Optimizer {
 public:
  Adagrad(std::vector<Variable> parameters, OptimizerOptions options = {}, double initial_accumulator = 0.1,
          double epsilon = 1e-7);
  std::string name() const override { return "adagrad"; }
  nlohmann::json config() const override;

 protected:
  void update(float* p, const float* g, std::int64_t n, std::vector<Tensor>& slots, float lr) override;
  std::size_t slot_count() const override { return 1; }

 private:
  double initial_accumulator_, epsilon_;
};

// "sgd", "adam", "adamw", "rmsprop", "adagrad". With use_default_learning_rate the rate is
// Keras' default for that optimizer (sgd 0.01, the others 0.001) instead of options'.
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, std::vector<Variable> parameters,
                                          OptimizerOptions options = {}, bool use_default_learning_rate = true);
// Rebuilds from config() (parameters attached separately).
std::unique_ptr<Optimizer> optimizer_from_config(const nlohmann::json& config, std::vector<Variable> parameters);

}  // namespace strata::optim
