// ZeroPadding1D/2D/3D and Cropping1D/2D/3D (Keras 3): zeros added around, or positions removed
// from, each spatial axis of (C, L), (C, H, W) or (C, D, H, W), by (begin, end) per axis. One
// template for both (they differ only in the sign of the margin); Keras' config writes 1-D
// amounts as one pair ("padding": [1, 2]), 2-D and 3-D as one pair per axis.
#pragma once

#include <array>

#include "strata/nn/handle.h"
#include "strata/nn/layer.h"

namespace strata::nn {

enum class Margin { pad, crop };

template <std::size_t Rank, Margin kind>
class SpatialMargin final : public Layer {
 public:
  using Amounts = std::array<std::array<std::int64_t, 2>, Rank>;
  using Padding = Amounts;
  explicit SpatialMargin(Amounts amounts, std::string name = "");
  // m at both ends of every spatial axis.
  explicit SpatialMargin(std::int64_t m = 1, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override;
  const Amounts& amounts() const { return amounts_; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  static constexpr const char* config_key = kind == Margin::pad ? "padding" : "cropping";
  Amounts amounts_;
};

template <std::size_t Rank>
using ZeroPadding = SpatialMargin<Rank, Margin::pad>;
template <std::size_t Rank>
using Cropping = SpatialMargin<Rank, Margin::crop>;
using ZeroPadding1D = ZeroPadding<1>;
using ZeroPadding2D = ZeroPadding<2>;
using ZeroPadding3D = ZeroPadding<3>;
using Cropping1D = Cropping<1>;
using Cropping2D = Cropping<2>;
using Cropping3D = Cropping<3>;
extern template class SpatialMargin<1, Margin::pad>;
extern template class SpatialMargin<2, Margin::pad>;
extern template class SpatialMargin<3, Margin::pad>;
extern template class SpatialMargin<1, Margin::crop>;
extern template class SpatialMargin<2, Margin::crop>;
extern template class SpatialMargin<3, Margin::crop>;

}  // namespace strata::nn

namespace strata::layers {
inline Handle<nn::ZeroPadding1D> ZeroPadding1D(std::int64_t p = 1) { return make<nn::ZeroPadding1D>(p); }
inline Handle<nn::ZeroPadding2D> ZeroPadding2D(std::int64_t p = 1) { return make<nn::ZeroPadding2D>(p); }
inline Handle<nn::ZeroPadding3D> ZeroPadding3D(std::int64_t p = 1) { return make<nn::ZeroPadding3D>(p); }
inline Handle<nn::Cropping1D> Cropping1D(std::int64_t c = 1) { return make<nn::Cropping1D>(c); }
inline Handle<nn::Cropping2D> Cropping2D(std::int64_t c = 1) { return make<nn::Cropping2D>(c); }
inline Handle<nn::Cropping3D> Cropping3D(std::int64_t c = 1) { return make<nn::Cropping3D>(c); }
template <std::size_t Rank>
Handle<nn::ZeroPadding<Rank>> ZeroPadding(typename nn::ZeroPadding<Rank>::Amounts padding) {
  return make<nn::ZeroPadding<Rank>>(padding);
}
template <std::size_t Rank>
Handle<nn::Cropping<Rank>> Cropping(typename nn::Cropping<Rank>::Amounts cropping) {
  return make<nn::Cropping<Rank>>(cropping);
}
}  // namespace strata::layers
