// Layers for general tensor programs: what imported ONNX graphs (and PyTorch-style models)
// need beyond Keras' layer set. Each is an ordinary layer: it saves, loads, summarizes and
// exports like the rest. Axes here are of the full tensor (batch = 0) unless said otherwise.
#pragma once

#include <map>
#include <mutex>
#include <tuple>

#include "strata/nn/core_layers.h"

namespace strata::nn {

// Keras' Permute: `dims` reorders the non-batch axes, 1-based ({2, 1} swaps the first two).
class Permute final : public Layer {
 public:
  explicit Permute(std::vector<std::int64_t> dims, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Permute"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override { c["dims"] = dims_; }

 private:
  std::vector<std::int64_t> dims_;
};

// Element-wise op of two inputs with NumPy broadcasting of the non-batch axes (an input with
// fewer axes is aligned to the right, after the batch axis): op "add", "subtract", "multiply",
// "divide".
class Arithmetic final : public Layer {
 public:
  explicit Arithmetic(std::string op, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Arithmetic"; }
  const std::string& op() const { return op_; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  std::size_t arity() const override { return 2; }
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override { c["op"] = op_; }

 private:
  std::string op_;
};

// x (op) constant, or constant (op) x when `constant_first`: op as in Arithmetic. The constant
// is a non-trainable weight "constant" that broadcasts against the full tensor (NumPy rules:
// shape (C, 1, 1) is per channel of NCHW). Mean subtraction, scaling, biases of imported graphs.
class ConstantArithmetic final : public Layer {
 public:
  ConstantArithmetic(std::string op, Shape constant_shape, bool constant_first = false, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "ConstantArithmetic"; }
  const std::string& op() const { return op_; }
  bool constant_first() const { return constant_first_; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  std::string op_;
  Shape constant_shape_;
  bool constant_first_;
  Weight* constant_ = nullptr;
};

// min(max(x, min_value), max_value).
class Clip final : public Layer {
 public:
  Clip(double min_value, double max_value, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Clip"; }
  double min_value() const { return min_; }
  double max_value() const { return max_; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override { return in[0]; }

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  double min_, max_;
};

// Activations with parameters that Keras' names fix:
//   "hard_sigmoid": clip(alpha*x + beta, 0, 1);  "hard_swish": x * clip(x/6 + 1/2, 0, 1);
//   "selu": beta * elu(x, alpha) (alpha and beta default to SELU's constants).
class ParametricActivation final : public Layer {
 public:
  ParametricActivation(std::string function, double alpha, double beta, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "ParametricActivation"; }
  const std::string& function() const { return function_; }
  double alpha() const { return alpha_; }
  double beta() const { return beta_; }
  bool propagates_mask() const override { return true; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override { return in[0]; }

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  std::string function_;
  double alpha_, beta_;
};

// Matrix product of two inputs over their last two axes, broadcasting the axes before them
// (NumPy's matmul, per example).
class MatMul final : public Layer {
 public:
  explicit MatMul(std::string name = "") : Layer(std::move(name)) {}
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "MatMul"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  std::size_t arity() const override { return 2; }
  Variable forward(const std::vector<Variable>& in, bool) override;
};

// Pads the non-batch axes: pads[i] = {before, after} for example axis i. mode "constant"
// (with `value`), "reflect" (mirror without the edge) or "edge" (repeat the edge).
class Pad final : public Layer {
 public:
  static constexpr const char* default_mode = "constant";
  Pad(std::vector<std::array<std::int64_t, 2>> pads, std::string mode = default_mode, double value = 0.0,
      std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Pad"; }
  const std::vector<std::array<std::int64_t, 2>>& pads() const { return pads_; }
  const std::string& mode() const { return mode_; }
  double value() const { return value_; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  std::vector<std::array<std::int64_t, 2>> pads_;
  std::string mode_;
  double value_;
};

// Mean or sum over non-batch `axes` (full-tensor numbering, each >= 1).
class Reduce final : public Layer {
 public:
  Reduce(std::string op, std::vector<std::int64_t> axes, bool keepdims, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Reduce"; }
  const std::string& op() const { return op_; }
  const std::vector<std::int64_t>& axes() const { return axes_; }
  bool keepdims() const { return keepdims_; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  std::string op_;
  std::vector<std::int64_t> axes_;
  bool keepdims_;
};

// Strided slices of non-batch axes: for each i, axes[i] (full numbering, >= 1) keeps
// starts[i]:ends[i]:steps[i] (Python rules: negative indices count from the end, clamped).
class Slice final : public Layer {
 public:
  Slice(std::vector<std::int64_t> axes, std::vector<std::int64_t> starts, std::vector<std::int64_t> ends,
        std::vector<std::int64_t> steps, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Slice"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  struct Range {
    std::int64_t start, stop, step;
  };
  Range resolve(std::int64_t i, std::int64_t size) const;
  std::vector<std::int64_t> axes_, starts_, ends_, steps_;
};

// Picks entries `indices` (constant; negative count from the end) along non-batch `axis` (full
// numbering, >= 1): the axis is replaced by the indices' shape (NumPy's take, ONNX's Gather).
class Gather final : public Layer {
 public:
  Gather(std::int64_t axis, std::vector<std::int64_t> indices, Shape indices_shape, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Gather"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  std::int64_t axis_;
  std::vector<std::int64_t> indices_;
  Shape indices_shape_;
};

// Resizes every non-batch axis i by scales[i] (output floor(size*scale)), or to sizes[i] when
// `sizes` is given. mode "nearest" or "linear" (separable: bilinear on images);
// coordinate_transformation_mode as ONNX's Resize: "half_pixel" (Keras/TF2, PyTorch
// align_corners=False), "pytorch_half_pixel", "align_corners", "asymmetric" (PyTorch nearest),
// "tf_half_pixel_for_nn"; nearest_mode "round_prefer_floor", "round_prefer_ceil", "floor", "ceil".
struct ResizeOptions {
  STRATA_OPTION(ResizeOptions, std::vector<double>, scales, {})
  STRATA_OPTION(ResizeOptions, Shape, sizes, {})
  STRATA_OPTION(ResizeOptions, std::string, mode, "nearest")
  STRATA_OPTION(ResizeOptions, std::string, coordinate_transformation_mode, "half_pixel")
  STRATA_OPTION(ResizeOptions, std::string, nearest_mode, "round_prefer_floor")
  STRATA_OPTION(ResizeOptions, std::string, name, "")

  // Every config field but the name, once for writing and reading (nn/layer_config.h);
  // scales and sizes are written only when set.
  template <class Self, class Visit>
  static void fields(Self& o, Visit&& visit) {
    visit("scales", o.scales_);
    visit("sizes", o.sizes_);
    visit("mode", o.mode_);
    visit("coordinate_transformation_mode", o.coordinate_transformation_mode_);
    visit("nearest_mode", o.nearest_mode_);
  }
};

class Resize final : public Layer {
 public:
  explicit Resize(ResizeOptions options);
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Resize"; }
  const ResizeOptions& options() const { return o_; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  // [out, in] interpolation weights for one axis (its scale is `scale`).
  Tensor interpolation_matrix(std::int64_t in, std::int64_t out, double scale, DType dtype) const;
  double scale_of(std::size_t axis, std::int64_t in, std::int64_t out) const;
  // The transposed matrix for (axis, in, out, dtype), built once: input sizes repeat every call.
  const Tensor& weights_for(std::size_t axis, std::int64_t in, std::int64_t out, DType dtype);
  ResizeOptions o_;
  std::map<std::tuple<std::size_t, std::int64_t, std::int64_t, DType>, Tensor> weights_;
  std::mutex weights_mutex_;
};

}  // namespace strata::nn
