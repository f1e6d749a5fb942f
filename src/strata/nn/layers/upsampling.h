// UpSampling1D/2D/3D (Keras 3): repeats each position `size` times along every spatial axis of
// (C, L), (C, H, W) or (C, D, H, W) (interpolation "nearest"); UpSampling2D also interpolates
// "bilinear" (half-pixel centres, as Keras/TensorFlow and PyTorch's align_corners=False).
// It runs the Resize layer's per-axis interpolation (nn/tensor_layers.h).
#pragma once

#include <array>

#include "strata/nn/handle.h"
#include "strata/nn/tensor_layers.h"

namespace strata::nn {

template <std::size_t Rank>
class UpSampling final : public Layer {
 public:
  using Size = std::array<std::int64_t, Rank>;
  static constexpr const char* default_interpolation = "nearest";
  explicit UpSampling(Size size, std::string interpolation = default_interpolation, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override;
  const Size& size() const { return size_; }
  const std::string& interpolation() const { return interpolation_; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  Size size_;
  std::string interpolation_;
  std::shared_ptr<Resize> resize_;
};
using UpSampling1D = UpSampling<1>;
using UpSampling2D = UpSampling<2>;
using UpSampling3D = UpSampling<3>;
extern template class UpSampling<1>;
extern template class UpSampling<2>;
extern template class UpSampling<3>;

}  // namespace strata::nn

namespace strata::layers {
inline Handle<nn::UpSampling1D> UpSampling1D(std::int64_t size = 2) { return make<nn::UpSampling1D>(nn::UpSampling1D::Size{size}); }
inline Handle<nn::UpSampling2D> UpSampling2D(std::int64_t size = 2,
                                             const std::string& interpolation = nn::UpSampling2D::default_interpolation) {
  return make<nn::UpSampling2D>(nn::UpSampling2D::Size{size, size}, interpolation);
}
inline Handle<nn::UpSampling3D> UpSampling3D(std::int64_t size = 2) {
  return make<nn::UpSampling3D>(nn::UpSampling3D::Size{size, size, size});
}
}  // namespace strata::layers
