// 2-D convolution and batch-normalization layers (NCHW: inputs are (C, H, W)).
#pragma once

#include <array>

#include "strata/nn/core_layers.h"
#include "strata/nn/layers/pooling.h"       // MaxPooling2D and the other pooling layers of every rank
#include "strata/nn/layers/margins.h"       // ZeroPadding1D/2D/3D, Cropping1D/2D/3D

namespace strata::nn {

using Size2 = std::array<std::int64_t, 2>;
using Padding2 = std::array<Size2, 2>;  // ((top, bottom), (left, right))

// The window options of the convolutions of spatial rank `Rank` (Conv1D/2D/3D, their depthwise
// and separable kinds, the transposed ones), with Keras' names and defaults. `Options` derives
// from it (CRTP).
template <class Options, std::size_t Rank = 2>
struct ConvWindowOptions {
  using Size = std::array<std::int64_t, Rank>;
  using Padding = std::array<std::array<std::int64_t, 2>, Rank>;  // (begin, end) per spatial axis
  static constexpr Size filled(std::int64_t v) {
    Size s{};
    for (auto& e : s) e = v;
    return s;
  }
  STRATA_OPTION(Options, std::int64_t, filters, 0)
  STRATA_OPTION(Options, Size, kernel_size, filled(3))
  STRATA_OPTION(Options, Size, strides, filled(1))
  static constexpr const char* default_padding = "valid";
  // "valid", "same", "explicit", and for Conv1D "causal"
  STRATA_OPTION(Options, std::string, padding, default_padding)
  // padding "explicit": ((top, bottom), (left, right)) in 2-D, as TensorFlow's explicit_paddings and ONNX's pads.
  STRATA_OPTION(Options, Padding, explicit_padding, (Padding{}))
  STRATA_OPTION(Options, Size, dilation_rate, filled(1))
  STRATA_OPTION(Options, std::string, activation, "")
  STRATA_OPTION(Options, std::string, name, "")
  Options& stride(std::int64_t s) { return strides(filled(s)); }

  // explicit_padding is written only with padding "explicit" (the layers erase it otherwise).
  template <class Self, class Visit>
  static void window_fields(Self& o, Visit&& visit) {
    visit("filters", o.filters_);
    visit("kernel_size", o.kernel_size_);
    visit("strides", o.strides_);
    visit("padding", o.padding_);
    visit("explicit_padding", o.explicit_padding_);
    visit("dilation_rate", o.dilation_rate_);
    visit("activation", o.activation_);
  }

 protected:
  ConvWindowOptions(std::int64_t filters, Size kernel) : filters_(filters), kernel_size_(kernel) {}
};

struct Conv2DOptions : ConvWindowOptions<Conv2DOptions>, KernelBiasOptions<Conv2DOptions> {
  Conv2DOptions(std::int64_t filters, std::int64_t kernel) : ConvWindowOptions(filters, {kernel, kernel}) {}
  Conv2DOptions(std::int64_t filters, Size2 kernel) : ConvWindowOptions(filters, kernel) {}
  STRATA_OPTION(Conv2DOptions, std::int64_t, groups, 1)
  STRATA_OPTION(Conv2DOptions, std::int64_t, depth_multiplier, 1)  // Depthwise/SeparableConv2D only

  ops::ConvGeometry op_options() const;

  // Every config field but the name, once for writing and reading (nn/layer_config.h).
  template <class Self, class Visit>
  static void fields(Self& o, Visit&& visit) {
    window_fields(o, visit);
    visit("groups", o.groups_);
    visit("depth_multiplier", o.depth_multiplier_);
    kernel_bias_fields(o, visit);
  }
};

// Conv2D, DepthwiseConv2D (groups = channels, `depth_multiplier` filters each) and
// SeparableConv2D (depthwise then 1x1 pointwise), sharing options.
class Conv2D : public Layer {
 public:
  enum class Kind { standard, depthwise, separable };
  explicit Conv2D(Conv2DOptions options, Kind kind = Kind::standard);
  static LayerPtr from_config(Kind kind, const nlohmann::json& c);
  Kind kind() const { return kind_; }
  std::string type() const override;
  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  const Conv2DOptions& options() const { return o_; }

 protected:
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  Conv2DOptions o_;
  Kind kind_;
  Weight* kernel_ = nullptr;     // depthwise kernel for the depthwise kinds
  Weight* pointwise_ = nullptr;  // separable only
  Weight* bias_ = nullptr;
};

// The options Keras' normalization layers share (BatchNormalization, LayerNormalization,
// GroupNormalization), with Keras' defaults. `Options` derives from it (CRTP).
template <class Options>
struct NormalizationOptions {
  STRATA_OPTION(Options, double, epsilon, 1e-3)
  STRATA_OPTION(Options, bool, center, true)  // beta, a learned shift
  STRATA_OPTION(Options, bool, scale, true)   // gamma, a learned scale
  STRATA_OPTION(Options, std::string, beta_initializer, "zeros")
  STRATA_OPTION(Options, std::string, gamma_initializer, "ones")
  STRATA_OPTION(Options, std::string, name, "")

  template <class Self, class Visit>
  static void normalization_fields(Self& o, Visit&& visit) {
    visit("epsilon", o.epsilon_);
    visit("center", o.center_);
    visit("scale", o.scale_);
    visit("beta_initializer", o.beta_initializer_);
    visit("gamma_initializer", o.gamma_initializer_);
  }
};

struct BatchNormalizationOptions : NormalizationOptions<BatchNormalizationOptions> {
  STRATA_OPTION(BatchNormalizationOptions, double, momentum, 0.99)  // Keras: moving = m*moving + (1-m)*batch

  template <class Self, class Visit>
  static void fields(Self& o, Visit&& visit) {
    visit("momentum", o.momentum_);
    normalization_fields(o, visit);
  }
};

// Normalizes over axis 1 (channels of NCHW, features of [N, F]). Frozen (trainable = false)
// it runs in inference mode even during fit, as Keras does, so fine-tuning keeps its statistics.
class BatchNormalization final : public Layer {
 public:
  explicit BatchNormalization(BatchNormalizationOptions options = {});
  const BatchNormalizationOptions& options() const { return o_; }
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "BatchNormalization"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override { return in[0]; }
  // Re-estimating the moving statistics for the current weights (PyTorch's
  // swa_utils.update_bn): between begin and end, training-mode calls average the batch
  // statistics with equal weights instead of the exponential moving average, whose memory
  // (momentum 0.99: about 100 steps) can still hold the statistics of older weights.
  void begin_statistics_estimate() {
    estimating_ = true;
    estimated_batches_ = 0;
  }
  void end_statistics_estimate() { estimating_ = false; }

 protected:
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  BatchNormalizationOptions o_;
  Weight *gamma_ = nullptr, *beta_ = nullptr, *moving_mean_ = nullptr, *moving_variance_ = nullptr;
  Tensor ones_, zeros_;  // stand-ins for gamma (scale=false) and beta (center=false), which are not weights
  bool estimating_ = false;
  std::int64_t estimated_batches_ = 0;
};

}  // namespace strata::nn
