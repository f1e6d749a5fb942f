// Core layers: Input, Dense, Flatten, Reshape, Dropout, the activation layers, merges.
#pragma once

#include "strata/nn/layer.h"
#include "strata/ops/ops.h"
#include "strata/tensor/options.h"

namespace strata::nn {

class InputLayer final : public Layer {
 public:
  explicit InputLayer(Shape shape, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "InputLayer"; }
  Shape compute_output_shape(const std::vector<Shape>&) const override { return shape_; }
  const Shape& shape() const { return shape_; }

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override { return in[0]; }
  void layer_config(nlohmann::json& c) const override { c["shape"] = shape_; }

 private:
  Shape shape_;
};

// The weight options Dense and the convolutions share, with Keras' names and defaults.
// `Options` is the struct that derives from this one, so setters chain on it.
template <class Options>
struct KernelBiasOptions {
  STRATA_OPTION(Options, bool, use_bias, true)
  STRATA_OPTION(Options, std::string, kernel_initializer, "glorot_uniform")
  STRATA_OPTION(Options, std::string, bias_initializer, "zeros")
  STRATA_OPTION(Options, Regularizer, kernel_regularizer, {})
  STRATA_OPTION(Options, Regularizer, bias_regularizer, {})
  STRATA_OPTION(Options, MaxNorm, kernel_constraint, {})

  template <class Self, class Visit>
  static void kernel_bias_fields(Self& o, Visit&& visit) {
    visit("use_bias", o.use_bias_);
    visit("kernel_initializer", o.kernel_initializer_);
    visit("bias_initializer", o.bias_initializer_);
    visit("kernel_regularizer", o.kernel_regularizer_);
    visit("bias_regularizer", o.bias_regularizer_);
    visit("kernel_constraint", o.kernel_constraint_);
  }
};

struct DenseOptions : KernelBiasOptions<DenseOptions> {
  explicit DenseOptions(std::int64_t units) : units_(units) {}
  STRATA_OPTION(DenseOptions, std::int64_t, units, 0)
  STRATA_OPTION(DenseOptions, std::string, activation, "")
  STRATA_OPTION(DenseOptions, std::string, name, "")

  // Every config field but the name, once for writing and reading (nn/layer_config.h).
  template <class Self, class Visit>
  static void fields(Self& o, Visit&& visit) {
    visit("units", o.units_);
    visit("activation", o.activation_);
    kernel_bias_fields(o, visit);
  }
};

// y = activation(x @ kernel + bias), kernel [in, units]. Applies to the last axis.
class Dense final : public Layer {
 public:
  explicit Dense(DenseOptions options);
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Dense"; }
  // Any leading axes: only the features (the last axis) must match.
  bool accepts(const std::vector<Shape>& b, const std::vector<Shape>& g) const override {
    return g.size() == 1 && !g[0].empty() && g[0].back() == b[0].back();
  }
  bool propagates_mask() const override { return true; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  const DenseOptions& options() const { return o_; }

 protected:
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  DenseOptions o_;
  Weight* kernel_ = nullptr;
  Weight* bias_ = nullptr;
};

class Flatten final : public Layer {
 public:
  explicit Flatten(std::string name = "") : Layer(std::move(name)) {}
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Flatten"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override { return {shape_numel(in[0])}; }

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override;
};

// target_shape excludes the batch axis; one entry may be -1.
class Reshape final : public Layer {
 public:
  explicit Reshape(Shape target_shape, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Reshape"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override { c["target_shape"] = target_; }

 private:
  Shape target_;
};

class Dropout final : public Layer {
 public:
  explicit Dropout(double rate, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Dropout"; }
  bool propagates_mask() const override { return true; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override { return in[0]; }

 protected:
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override { c["rate"] = rate_; }

 private:
  double rate_;
};

// Activation("relu"), and Keras' dedicated activation layers.
class Activation final : public Layer {
 public:
  explicit Activation(std::string activation, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Activation"; }
  bool propagates_mask() const override { return true; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override { return in[0]; }
  const std::string& activation() const { return activation_; }

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override { return apply_activation(activation_, in[0]); }
  void layer_config(nlohmann::json& c) const override { c["activation"] = activation_; }

 private:
  std::string activation_;
};

// ReLU with Keras' options: min(max_value, x) for x >= threshold, negative_slope*(x-threshold) below.
class ReLU final : public Layer {
 public:
  static constexpr double no_max_value = 0.0;
  explicit ReLU(double max_value = no_max_value, double negative_slope = 0.0, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "ReLU"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override { return in[0]; }

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  double max_value_, negative_slope_;
};

class LeakyReLU final : public Layer {
 public:
  static constexpr double default_negative_slope = 0.3;  // Keras' default
  explicit LeakyReLU(double negative_slope = default_negative_slope, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "LeakyReLU"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override { return in[0]; }

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override { return ops::leaky_relu(in[0], slope_); }
  void layer_config(nlohmann::json& c) const override { c["negative_slope"] = slope_; }

 private:
  double slope_;
};

class ELU final : public Layer {
 public:
  static constexpr double default_alpha = 1.0;
  explicit ELU(double alpha = default_alpha, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "ELU"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override { return in[0]; }

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override { return ops::elu(in[0], alpha_); }
  void layer_config(nlohmann::json& c) const override { c["alpha"] = alpha_; }

 private:
  double alpha_;
};

// Learned negative slope with the input's shape (Keras), except along shared_axes (1-based
// non-batch axes, e.g. {2, 3} shares one slope per channel of a CHW image).
class PReLU final : public Layer {
 public:
  static constexpr const char* default_alpha_initializer = "zeros";
  explicit PReLU(std::vector<std::int64_t> shared_axes = {}, std::string alpha_initializer = default_alpha_initializer,
                 std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "PReLU"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override { return in[0]; }

 protected:
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  std::vector<std::int64_t> shared_axes_;
  std::string alpha_initializer_;
  Weight* alpha_ = nullptr;
};

// Softmax over `axis` (of the full tensor, batch = 0; -1 = last); log(true) gives log-softmax.
class Softmax final : public Layer {
 public:
  static constexpr std::int64_t default_axis = -1;
  explicit Softmax(std::int64_t axis = default_axis, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Softmax"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override { return in[0]; }
  std::int64_t axis() const { return axis_; }
  bool is_log() const { return log_; }
  Softmax& log(bool on) {
    log_ = on;
    return *this;
  }

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override {
    return log_ ? ops::log_softmax(in[0], axis_) : ops::softmax(in[0], axis_);
  }
  void layer_config(nlohmann::json& c) const override {
    c["axis"] = axis_;
    if (log_) c["log"] = true;
  }

 private:
  std::int64_t axis_;
  bool log_ = false;
};

// Merges: element-wise sum / product of same-shaped inputs, and concatenation along `axis`
// (of the full tensor, batch = 0; the default 1 is the channel axis of NCHW, -1 the last).
class Add final : public Layer {
 public:
  explicit Add(std::string name = "") : Layer(std::move(name)) {}
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Add"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  // The first input's sequence mask: a residual connection keeps the sequence's padding.
  bool propagates_mask() const override { return true; }

 protected:
  std::size_t arity() const override { return 0; }
  Variable forward(const std::vector<Variable>& in, bool) override;
};

class Multiply final : public Layer {
 public:
  explicit Multiply(std::string name = "") : Layer(std::move(name)) {}
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Multiply"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  std::size_t arity() const override { return 0; }
  Variable forward(const std::vector<Variable>& in, bool) override;
};

class Concatenate final : public Layer {
 public:
  static constexpr std::int64_t default_axis = 1;  // channels of NCHW
  explicit Concatenate(std::int64_t axis = default_axis, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Concatenate"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  std::size_t arity() const override { return 0; }
  Variable forward(const std::vector<Variable>& in, bool) override { return ops::concat(in, axis_); }
  void layer_config(nlohmann::json& c) const override { c["axis"] = axis_; }

 private:
  std::int64_t axis_;
};

}  // namespace strata::nn
