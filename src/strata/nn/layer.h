// Layer: Keras' contract in C++.
//   - lazy build: weights are created on the first call, from the input shape;
//   - named weights (kernel, bias, moving_mean, ...) with a trainable flag;
//   - config(): {"class_name": type, "config": {...}}, and layer_from_config() to rebuild it.
// Shapes given to and returned by layers exclude the batch axis (Keras' convention); images
// are (C, H, W) — Strata is NCHW throughout.
#pragma once

#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/autograd/variable.h"
#include "strata/nn/initializers.h"
#include "strata/nn/regularizers.h"

namespace strata::nn {

struct GraphNode;
class SymbolicTensor;

struct Weight {
  std::string name;   // e.g. "kernel"; the full name is "<layer>/<name>"
  Variable variable;  // requires_grad follows `trainable` and the layer's flag
  bool trainable = true;
  Regularizer regularizer;
  MaxNorm constraint;
  std::vector<std::int64_t> constraint_axes;
};

// While one lives, layers built on this thread may create at most `elements` weight elements
// in all; one more is an error naming `source`. load_model sets it to what the file holds, so a
// 400-byte file declaring Dense(10^6) fails before gigabytes are allocated and initialized.
class WeightBudget {
 public:
  WeightBudget(std::int64_t elements, std::string source);
  ~WeightBudget();
  WeightBudget(const WeightBudget&) = delete;
  WeightBudget& operator=(const WeightBudget&) = delete;

  // Takes `shape`'s elements for `layer`'s weight `name` from the innermost budget, if any.
  static void spend(const std::string& layer, const std::string& name, const Shape& shape);

 private:
  std::int64_t remaining_;
  std::string source_;
  WeightBudget* outer_;
};

class Layer : public std::enable_shared_from_this<Layer> {
 public:
  explicit Layer(std::string name = "");
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  virtual std::string type() const = 0;  // Keras' class name, e.g. "Conv2D"
  const std::string& name() const { return name_; }
  void set_name(const std::string& name) { name_ = name; }

  bool trainable() const { return trainable_; }
  // Freezing a layer stops its weights from being updated (and, for BatchNormalization,
  // keeps it in inference mode, as Keras does).
  virtual void set_trainable(bool trainable);

  bool built() const { return built_; }
  void build_if_needed(const std::vector<Shape>& input_shapes);
  virtual Shape compute_output_shape(const std::vector<Shape>& input_shapes) const = 0;

  // Eager call on real tensors ([N, ...]); builds on first use.
  Variable call(const std::vector<Variable>& inputs, bool training);
  Variable operator()(const Variable& x, bool training = false) { return call({x}, training); }
  // Symbolic call: adds this layer to a functional graph.
  SymbolicTensor operator()(const SymbolicTensor& x);
  SymbolicTensor operator()(const std::vector<SymbolicTensor>& inputs);

  // Layers with several outputs (a recurrent layer with return_state: the output, then the
  // final states). The one-output calls above give the first; these give them all:
  //   auto outs = lstm->all_outputs({x});  // {sequence, h, c}, each usable in the graph
  virtual std::size_t output_count() const { return 1; }
  virtual std::vector<Shape> compute_output_shapes(const std::vector<Shape>& input_shapes) const {
    return {compute_output_shape(input_shapes)};
  }
  virtual std::vector<Variable> call_all(const std::vector<Variable>& inputs, bool training) {
    return {call(inputs, training)};
  }
  std::vector<SymbolicTensor> all_outputs(const std::vector<SymbolicTensor>& inputs);

  // Every weight, trainable first then non-trainable, in creation order.
  virtual std::vector<Weight*> weights();
  std::vector<Variable> trainable_variables();
  std::int64_t count_params();
  std::int64_t count_trainable_params();
  // Sum of the regularization penalties of this layer's weights (undefined when none).
  virtual Variable regularization_loss();
  virtual void apply_constraints();

  nlohmann::json config() const;

 protected:
  virtual void build(const std::vector<Shape>& input_shapes);
  virtual Variable forward(const std::vector<Variable>& inputs, bool training) = 0;
  // Layer-specific entries of config()["config"].
  virtual void layer_config(nlohmann::json& config) const;
  // Whether a built layer takes inputs of these shapes. By default only the built shapes;
  // sequence layers take any number of time steps (axis 0 of an example's shape), Dense any
  // leading axes.
  virtual bool accepts(const std::vector<Shape>& built, const std::vector<Shape>& given) const { return built == given; }
  // Whether the output keeps the first input's sequence mask (Variable::mask) when forward()
  // sets none: true for layers that work per time step (Dense, Dropout, Activation, ...).
  virtual bool propagates_mask() const { return false; }
  // How many inputs the layer takes; 0 means one or more (merge layers).
  virtual std::size_t arity() const { return 1; }
  Weight& add_weight(const std::string& name, const Shape& shape, const InitializerPtr& init, bool trainable = true,
                     const Regularizer& regularizer = {}, const MaxNorm& constraint = {},
                     const std::vector<std::int64_t>& constraint_axes = {});
  void check_arity(std::size_t n) const;

 private:
  std::string name_;
  bool trainable_ = true;
  bool built_ = false;
  std::vector<Shape> built_shapes_;
  std::deque<Weight> weights_;  // deque: stable addresses for Weight*
};

using LayerPtr = std::shared_ptr<Layer>;

// Typed checks instead of comparing type() strings (a typo in a string compiles; a class name
// does not): is<Dense>(layer), and as<Dense>(layer), which is null when the layer is not one.
template <class T>
bool is(const Layer& layer) {
  return dynamic_cast<const T*>(&layer) != nullptr;
}
template <class T>
bool is(const std::shared_ptr<Layer>& layer) {
  return layer && is<T>(*layer);
}
template <class T>
T* as(const std::shared_ptr<Layer>& layer) {
  return dynamic_cast<T*>(layer.get());
}

// Equal shapes except for the first axis (the time steps of a sequence).
bool same_except_time(const std::vector<Shape>& a, const std::vector<Shape>& b);

// Axes of the full tensor (batch = 0, negative counting from the end) for an example of
// `example_rank` axes, as sorted unique axes >= 1; the batch axis or one out of range is an
// error naming `layer`.
std::vector<std::int64_t> example_axes(const std::vector<std::int64_t>& axes, std::size_t example_rank,
                                       const std::string& layer);

// A unique default name from the type: "Conv2D" -> "conv2d", "conv2d_1", ...
std::string unique_name(const std::string& type);

// Applies a Keras activation by name: "linear" (or ""), "relu", "relu6", "elu", "selu",
// "gelu", "silu"/"swish", "sigmoid", "tanh", "softplus", "hard_sigmoid", "softmax", "leaky_relu".
Variable apply_activation(const std::string& name, const Variable& x);
void check_activation_name(const std::string& name);

// Rebuilds a layer (unbuilt: weights come from a weights file) from config().
LayerPtr layer_from_config(const nlohmann::json& config);

}  // namespace strata::nn
