// Conv2DTranspose (Keras 3): the transposed ("deconvolution") layer that upsamples, e.g. the
// decoder of an autoencoder. Input (C, H, W) -> (filters, H', W'), with Keras' output size:
//   output_padding unset: "valid" H' = H*stride + max(K - stride, 0), "same" H' = H*stride;
//   output_padding p:     H' = (H-1)*stride + K - 2*pad + p, pad = 0 ("valid") or K // 2 ("same"),
// K the dilated kernel size. "same" pads as TensorFlow (the adjoint of a "same" convolution on
// the output); padding "explicit" takes ((top, bottom), (left, right)) as ONNX's ConvTranspose
// and PyTorch's padding do. The kernel is [C_in, filters, KH, KW] (PyTorch's ConvTranspose2d).
#pragma once

#include <optional>

#include "strata/nn/conv_layers.h"
#include "strata/nn/handle.h"

namespace strata::nn {

struct Conv2DTransposeOptions : ConvWindowOptions<Conv2DTransposeOptions>, KernelBiasOptions<Conv2DTransposeOptions> {
  Conv2DTransposeOptions(std::int64_t filters, std::int64_t kernel) : ConvWindowOptions(filters, {kernel, kernel}) {}
  Conv2DTransposeOptions(std::int64_t filters, Size2 kernel) : ConvWindowOptions(filters, kernel) {}
  STRATA_OPTION(Conv2DTransposeOptions, std::optional<Size2>, output_padding, std::nullopt)

  // Every config field but the name (nn/layer_config.h).
  template <class Self, class Visit>
  static void fields(Self& o, Visit&& visit) {
    window_fields(o, visit);
    visit("output_padding", o.output_padding_);
    kernel_bias_fields(o, visit);
  }
};

class Conv2DTranspose final : public Layer {
 public:
  explicit Conv2DTranspose(Conv2DTransposeOptions options);
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Conv2DTranspose"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  const Conv2DTransposeOptions& options() const { return o_; }
  // The convolution this layer is the adjoint of, and the output size, for input (C, H, W).
  struct Plan {
    kernels::Conv2dGeometry geometry;
    std::int64_t out_h, out_w;
  };
  Plan plan(const Shape& in) const;

 protected:
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  Conv2DTransposeOptions o_;
  Weight *kernel_ = nullptr, *bias_ = nullptr;
};

}  // namespace strata::nn

namespace strata::layers {
inline Handle<nn::Conv2DTranspose> Conv2DTranspose(nn::Conv2DTransposeOptions o) {
  return make<nn::Conv2DTranspose>(std::move(o));
}
inline Handle<nn::Conv2DTranspose> Conv2DTranspose(std::int64_t filters, std::int64_t kernel, std::int64_t stride = 1,
                                                  const std::string& padding = nn::Conv2DOptions::default_padding,
                                                  const std::string& activation = "") {
  return Conv2DTranspose(nn::Conv2DTransposeOptions(filters, kernel).stride(stride).padding(padding).activation(activation));
}
}  // namespace strata::layers
