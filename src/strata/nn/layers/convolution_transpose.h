// Transposed ("deconvolution") layers of every spatial rank (Keras 3): Conv1DTranspose over
// (C, L), Conv2DTranspose over (C, H, W), Conv3DTranspose over (C, D, H, W) — the upsampling
// half of an autoencoder or a segmentation decoder. Input (C, *in) -> (filters, *out), with
// Keras' output size along each axis:
//   output_padding unset: "valid" out = in*stride + max(K - stride, 0), "same" out = in*stride;
//   output_padding p:     out = (in-1)*stride + K - 2*pad + p, pad = 0 ("valid") or K // 2 ("same"),
// K the dilated kernel size. "same" pads as TensorFlow (the adjoint of a "same" convolution on
// the output); padding "explicit" takes (begin, end) per axis as ONNX's ConvTranspose and
// PyTorch's padding do. The kernel is [C_in, filters, *kernel_size] (PyTorch's ConvTranspose).
#pragma once

#include <optional>

#include "strata/nn/conv_layers.h"
#include "strata/nn/handle.h"

namespace strata::nn {

template <std::size_t Rank>
struct ConvTransposeOptions : ConvWindowOptions<ConvTransposeOptions<Rank>, Rank>,
                              KernelBiasOptions<ConvTransposeOptions<Rank>> {
  using Window = ConvWindowOptions<ConvTransposeOptions<Rank>, Rank>;
  using Size = typename Window::Size;
  ConvTransposeOptions(std::int64_t filters, std::int64_t kernel) : Window(filters, Window::filled(kernel)) {}
  ConvTransposeOptions(std::int64_t filters, Size kernel) : Window(filters, kernel) {}
  STRATA_OPTION(ConvTransposeOptions, std::optional<Size>, output_padding, std::nullopt)

  // Every config field but the name (nn/layer_config.h).
  template <class Self, class Visit>
  static void fields(Self& o, Visit&& visit) {
    Window::window_fields(o, visit);
    visit("output_padding", o.output_padding_);
    KernelBiasOptions<ConvTransposeOptions>::kernel_bias_fields(o, visit);
  }
};
using Conv1DTransposeOptions = ConvTransposeOptions<1>;
using Conv2DTransposeOptions = ConvTransposeOptions<2>;
using Conv3DTransposeOptions = ConvTransposeOptions<3>;

template <std::size_t Rank>
class ConvolutionTranspose final : public Layer {
 public:
  explicit ConvolutionTranspose(ConvTransposeOptions<Rank> options);
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Conv" + std::to_string(Rank) + "DTranspose"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  const ConvTransposeOptions<Rank>& options() const { return o_; }
  // The convolution this layer is the adjoint of, and the output's spatial sizes, for input
  // (C, *spatial).
  struct Plan {
    kernels::ConvNdGeometry geometry;
    Shape out;
  };
  Plan plan(const Shape& in) const;

 protected:
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  ConvTransposeOptions<Rank> o_;
  Weight *kernel_ = nullptr, *bias_ = nullptr;
};
using Conv1DTranspose = ConvolutionTranspose<1>;
using Conv2DTranspose = ConvolutionTranspose<2>;
using Conv3DTranspose = ConvolutionTranspose<3>;
extern template class ConvolutionTranspose<1>;
extern template class ConvolutionTranspose<2>;
extern template class ConvolutionTranspose<3>;

}  // namespace strata::nn

namespace strata::layers {
template <std::size_t Rank>
Handle<nn::ConvolutionTranspose<Rank>> ConvTranspose(std::int64_t filters, std::int64_t kernel, std::int64_t stride,
                                                     const std::string& padding, const std::string& activation) {
  return make<nn::ConvolutionTranspose<Rank>>(
      nn::ConvTransposeOptions<Rank>(filters, kernel).stride(stride).padding(padding).activation(activation));
}
inline Handle<nn::Conv1DTranspose> Conv1DTranspose(nn::Conv1DTransposeOptions o) {
  return make<nn::Conv1DTranspose>(std::move(o));
}
inline Handle<nn::Conv1DTranspose> Conv1DTranspose(std::int64_t filters, std::int64_t kernel, std::int64_t stride = 1,
                                                  const std::string& padding = nn::Conv1DTransposeOptions::default_padding,
                                                  const std::string& activation = "") {
  return ConvTranspose<1>(filters, kernel, stride, padding, activation);
}
inline Handle<nn::Conv2DTranspose> Conv2DTranspose(nn::Conv2DTransposeOptions o) {
  return make<nn::Conv2DTranspose>(std::move(o));
}
inline Handle<nn::Conv2DTranspose> Conv2DTranspose(std::int64_t filters, std::int64_t kernel, std::int64_t stride = 1,
                                                  const std::string& padding = nn::Conv2DTransposeOptions::default_padding,
                                                  const std::string& activation = "") {
  return ConvTranspose<2>(filters, kernel, stride, padding, activation);
}
inline Handle<nn::Conv3DTranspose> Conv3DTranspose(nn::Conv3DTransposeOptions o) {
  return make<nn::Conv3DTranspose>(std::move(o));
}
inline Handle<nn::Conv3DTranspose> Conv3DTranspose(std::int64_t filters, std::int64_t kernel, std::int64_t stride = 1,
                                                  const std::string& padding = nn::Conv3DTransposeOptions::default_padding,
                                                  const std::string& activation = "") {
  return ConvTranspose<3>(filters, kernel, stride, padding, activation);
}
}  // namespace strata::layers
