// ActivityRegularization (Keras' keras.layers.ActivityRegularization): passes its input
// through and, in a training call, adds l1 * sum|x| + l2 * sum(x^2) of that input to the
// training loss — summed over the whole batch, as Keras 3 does (Keras 2 divided by the batch
// size). The penalty is that of the layer's last training call; fit reads it once per step.
#pragma once

#include "strata/nn/handle.h"

namespace strata::nn {

class ActivityRegularization final : public Layer {
 public:
  explicit ActivityRegularization(double l1 = 0.0, double l2 = 0.0, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "ActivityRegularization"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override { return in[0]; }
  bool propagates_mask() const override { return true; }
  // The penalty of the last training call, handed over once (undefined when there is none).
  Variable regularization_loss() override;

 protected:
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  Regularizer regularizer_;
  Variable pending_;
};

}  // namespace strata::nn

namespace strata::layers {
inline Handle<nn::ActivityRegularization> ActivityRegularization(double l1 = 0.0, double l2 = 0.0) {
  return make<nn::ActivityRegularization>(l1, l2);
}
}  // namespace strata::layers
