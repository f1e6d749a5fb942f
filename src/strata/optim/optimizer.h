// Optimizers: each step() updates every parameter in one pass over its elements.
// (The full Keras set, schedules and clipping arrive with the training API.)
#pragma once

#include <vector>

#include "strata/autograd/variable.h"

namespace strata::optim {

class Optimizer {
 public:
  explicit Optimizer(std::vector<Variable> parameters, double learning_rate);
  virtual ~Optimizer() = default;
  // Applies one update from the parameters' accumulated gradients (parameters without a
  // gradient are skipped).
  virtual void step() = 0;
  void zero_grad();
  double learning_rate() const { return learning_rate_; }
  void set_learning_rate(double lr) { learning_rate_ = lr; }

 protected:
  std::vector<Variable> parameters_;
  double learning_rate_;
};

// SGD with optional (Nesterov) momentum, PyTorch's formulation: v = m*v + g; p -= lr*v.
class SGD : public Optimizer {
 public:
  SGD(std::vector<Variable> parameters, double learning_rate, double momentum = 0.0, bool nesterov = false);
  void step() override;

 private:
  double momentum_;
  bool nesterov_;
  std::vector<Tensor> velocity_;
};

// Adam (Kingma & Ba) with bias correction; epsilon is added to sqrt of the bias-corrected
// second moment, as in the paper and PyTorch.
class Adam : public Optimizer {
 public:
  Adam(std::vector<Variable> parameters, double learning_rate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
       double epsilon = 1e-7);
  void step() override;

 private:
  double beta1_, beta2_, epsilon_;
  long step_count_ = 0;
  std::vector<Tensor> m_, v_;
};

}  // namespace strata::optim
