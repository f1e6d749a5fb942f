// Cropping1D/2D/3D (Keras 3): removes (begin, end) positions from each spatial axis of (C, L),
// (C, H, W) or (C, D, H, W). Keras' config writes 1-D cropping as one pair, 2-D and 3-D as one
// pair per axis.
#pragma once

#include <array>

#include "strata/nn/handle.h"
#include "strata/nn/layer.h"

namespace strata::nn {

template <std::size_t Rank>
class Cropping final : public Layer {
 public:
  using Amounts = std::array<std::array<std::int64_t, 2>, Rank>;
  explicit Cropping(Amounts cropping, std::string name = "");
  // c from both sides of every spatial axis.
  explicit Cropping(std::int64_t c = 1, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override;
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  Amounts cropping_;
};
using Cropping1D = Cropping<1>;
using Cropping2D = Cropping<2>;
using Cropping3D = Cropping<3>;
extern template class Cropping<1>;
extern template class Cropping<2>;
extern template class Cropping<3>;

}  // namespace strata::nn

namespace strata::layers {
inline Handle<nn::Cropping1D> Cropping1D(std::int64_t c = 1) { return make<nn::Cropping1D>(c); }
inline Handle<nn::Cropping2D> Cropping2D(std::int64_t c = 1) { return make<nn::Cropping2D>(c); }
inline Handle<nn::Cropping3D> Cropping3D(std::int64_t c = 1) { return make<nn::Cropping3D>(c); }
template <std::size_t Rank>
Handle<nn::Cropping<Rank>> Cropping(typename nn::Cropping<Rank>::Amounts cropping) {
  return make<nn::Cropping<Rank>>(cropping);
}
}  // namespace strata::layers
