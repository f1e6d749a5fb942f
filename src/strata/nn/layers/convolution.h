// Convolutions of one and three spatial axes (Keras 3): Conv1D, DepthwiseConv1D and
// SeparableConv1D over sequences (C, L), Conv3D over volumes (C, D, H, W) — channels first, as
// the rest of Strata (Keras' data_format="channels_first"). Strides, dilation, groups and the
// paddings "valid", "same", "explicit" and, for Conv1D, "causal" (the output at step t sees
// steps <= t only, for sequence models). Kernels are [filters, C/groups, *kernel_size], as
// PyTorch's Conv1d/Conv3d. Conv2D and its kinds are nn::Conv2D (nn/conv_layers.h).
#pragma once

#include "strata/nn/conv_layers.h"
#include "strata/nn/handle.h"

namespace strata::nn {

template <std::size_t Rank>
struct ConvOptions : ConvWindowOptions<ConvOptions<Rank>, Rank>, KernelBiasOptions<ConvOptions<Rank>> {
  using Window = ConvWindowOptions<ConvOptions<Rank>, Rank>;
  using Size = typename Window::Size;
  ConvOptions(std::int64_t filters, std::int64_t kernel) : Window(filters, Window::filled(kernel)) {}
  ConvOptions(std::int64_t filters, Size kernel) : Window(filters, kernel) {}
  STRATA_OPTION(ConvOptions, std::int64_t, groups, 1)
  STRATA_OPTION(ConvOptions, std::int64_t, depth_multiplier, 1)  // the depthwise and separable kinds only

  // Every config field but the name (nn/layer_config.h).
  template <class Self, class Visit>
  static void fields(Self& o, Visit&& visit) {
    Window::window_fields(o, visit);
    visit("groups", o.groups_);
    visit("depth_multiplier", o.depth_multiplier_);
    KernelBiasOptions<ConvOptions>::kernel_bias_fields(o, visit);
  }
};
using Conv1DOptions = ConvOptions<1>;
using Conv3DOptions = ConvOptions<3>;

template <std::size_t Rank>
class Convolution final : public Layer {
 public:
  // depthwise (groups = channels, depth_multiplier filters each) and separable (depthwise then
  // a pointwise 1-wide convolution) exist for Rank 1, as in Keras.
  enum class Kind { standard, depthwise, separable };
  explicit Convolution(ConvOptions<Rank> options, Kind kind = Kind::standard);
  static LayerPtr from_config(Kind kind, const nlohmann::json& c);
  std::string type() const override;
  Kind kind() const { return kind_; }
  const ConvOptions<Rank>& options() const { return o_; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  // The spatial convolution's geometry for an example of shape (C, *spatial).
  kernels::ConvNdGeometry geometry(const Shape& example) const;

 protected:
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  std::int64_t groups_for(std::int64_t channels) const { return kind_ == Kind::standard ? o_.groups_ : channels; }
  Shape kernel_shape(std::int64_t channels) const;
  ConvOptions<Rank> o_;
  Kind kind_;
  Weight* kernel_ = nullptr;     // the depthwise kernel for the depthwise kinds
  Weight* pointwise_ = nullptr;  // separable only
  Weight* bias_ = nullptr;
};
using Conv1D = Convolution<1>;
using Conv3D = Convolution<3>;
extern template class Convolution<1>;
extern template class Convolution<3>;

}  // namespace strata::nn

namespace strata::layers {
inline Handle<nn::Conv1D> Conv1D(nn::Conv1DOptions o) { return make<nn::Conv1D>(std::move(o)); }
inline Handle<nn::Conv1D> Conv1D(std::int64_t filters, std::int64_t kernel, const std::string& activation = "",
                                 const std::string& padding = nn::Conv1DOptions::default_padding) {
  return Conv1D(nn::Conv1DOptions(filters, kernel).activation(activation).padding(padding));
}
inline Handle<nn::Conv1D> DepthwiseConv1D(nn::Conv1DOptions o) {
  return make<nn::Conv1D>(std::move(o), nn::Conv1D::Kind::depthwise);
}
inline Handle<nn::Conv1D> SeparableConv1D(nn::Conv1DOptions o) {
  return make<nn::Conv1D>(std::move(o), nn::Conv1D::Kind::separable);
}
inline Handle<nn::Conv3D> Conv3D(nn::Conv3DOptions o) { return make<nn::Conv3D>(std::move(o)); }
inline Handle<nn::Conv3D> Conv3D(std::int64_t filters, std::int64_t kernel, const std::string& activation = "",
                                 const std::string& padding = nn::Conv3DOptions::default_padding) {
  return Conv3D(nn::Conv3DOptions(filters, kernel).activation(activation).padding(padding));
}
}  // namespace strata::layers
