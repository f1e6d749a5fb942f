// ZeroPadding1D/2D/3D (Keras 3): zeros around the spatial axes of (C, L), (C, H, W) or
// (C, D, H, W). Padding is (begin, end) per spatial axis; Keras' config writes 1-D padding as one
// pair, 2-D and 3-D as one pair per axis.
#pragma once

#include <array>

#include "strata/nn/handle.h"
#include "strata/nn/layer.h"

namespace strata::nn {

template <std::size_t Rank>
class ZeroPadding final : public Layer {
 public:
  using Padding = std::array<std::array<std::int64_t, 2>, Rank>;
  explicit ZeroPadding(Padding padding, std::string name = "");
  // p on both sides of every spatial axis.
  explicit ZeroPadding(std::int64_t p = 1, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override;
  const Padding& padding() const { return padding_; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  Padding padding_;
};
using ZeroPadding1D = ZeroPadding<1>;
using ZeroPadding2D = ZeroPadding<2>;
using ZeroPadding3D = ZeroPadding<3>;
extern template class ZeroPadding<1>;
extern template class ZeroPadding<2>;
extern template class ZeroPadding<3>;

}  // namespace strata::nn

namespace strata::layers {
inline Handle<nn::ZeroPadding1D> ZeroPadding1D(std::int64_t p = 1) { return make<nn::ZeroPadding1D>(p); }
inline Handle<nn::ZeroPadding2D> ZeroPadding2D(std::int64_t p = 1) { return make<nn::ZeroPadding2D>(p); }
inline Handle<nn::ZeroPadding3D> ZeroPadding3D(std::int64_t p = 1) { return make<nn::ZeroPadding3D>(p); }
template <std::size_t Rank>
Handle<nn::ZeroPadding<Rank>> ZeroPadding(typename nn::ZeroPadding<Rank>::Padding padding) {
  return make<nn::ZeroPadding<Rank>>(padding);
}
}  // namespace strata::layers
