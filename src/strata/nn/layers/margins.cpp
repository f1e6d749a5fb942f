#include "strata/nn/layers/margins.h"

#include "strata/nn/layers/spatial_window.h"
#include "strata/nn/registry.h"
#include "strata/ops/ops.h"

namespace strata::nn {

template <std::size_t Rank, Margin kind>
SpatialMargin<Rank, kind>::SpatialMargin(Amounts amounts, std::string name) : Layer(std::move(name)), amounts_(amounts) {
  check_amounts<Rank>(amounts_, type(), config_key);
}

template <std::size_t Rank, Margin kind>
SpatialMargin<Rank, kind>::SpatialMargin(std::int64_t m, std::string name)
    : SpatialMargin(uniform_amounts<Rank>(m), std::move(name)) {}

template <std::size_t Rank, Margin kind>
std::string SpatialMargin<Rank, kind>::type() const {
  return ranked_name(kind == Margin::pad ? "ZeroPadding" : "Cropping", Rank);
}

template <std::size_t Rank, Margin kind>
Shape SpatialMargin<Rank, kind>::compute_output_shape(const std::vector<Shape>& in) const {
  check_spatial_example(in[0], Rank, type(), name());
  Shape out = in[0];
  for (std::size_t i = 0; i < Rank; ++i) {
    const std::int64_t margin = amounts_[i][0] + amounts_[i][1];
    out[i + 1] += kind == Margin::pad ? margin : -margin;
    STRATA_CHECK(out[i + 1] >= 1, type(), " '", name(), "': cropping (", amounts_[i][0], ", ", amounts_[i][1],
                 ") leaves nothing of axis ", i + 1, " of input ", shape_str(in[0]));
  }
  return out;
}

template <std::size_t Rank, Margin kind>
Variable SpatialMargin<Rank, kind>::forward(const std::vector<Variable>& in, bool) {
  if constexpr (kind == Margin::pad) {
    return ops::pad(in[0], std::vector<std::array<std::int64_t, 2>>(amounts_.begin(), amounts_.end()));
  } else {
    Variable y = in[0];
    for (std::size_t i = 0; i < Rank; ++i) {
      const auto axis = static_cast<std::int64_t>(i) + 2;
      y = ops::slice(y, axis, amounts_[i][0], y.size(axis) - amounts_[i][1]);
    }
    return y;
  }
}

template <std::size_t Rank, Margin kind>
void SpatialMargin<Rank, kind>::layer_config(nlohmann::json& c) const {
  c[config_key] = amounts_value<Rank>(amounts_);
}

template <std::size_t Rank, Margin kind>
LayerPtr SpatialMargin<Rank, kind>::from_config(const nlohmann::json& c) {
  return std::make_shared<SpatialMargin>(read_amounts<Rank>(c, config_key), config::name(c));
}

template class SpatialMargin<1, Margin::pad>;
template class SpatialMargin<2, Margin::pad>;
template class SpatialMargin<3, Margin::pad>;
template class SpatialMargin<1, Margin::crop>;
template class SpatialMargin<2, Margin::crop>;
template class SpatialMargin<3, Margin::crop>;

namespace {
const LayerRegistrar zero_padding1d_registrar("ZeroPadding1D", ZeroPadding1D::from_config);
const LayerRegistrar zero_padding2d_registrar("ZeroPadding2D", ZeroPadding2D::from_config);
const LayerRegistrar zero_padding3d_registrar("ZeroPadding3D", ZeroPadding3D::from_config);
const LayerRegistrar cropping1d_registrar("Cropping1D", Cropping1D::from_config);
const LayerRegistrar cropping2d_registrar("Cropping2D", Cropping2D::from_config);
const LayerRegistrar cropping3d_registrar("Cropping3D", Cropping3D::from_config);
}  // namespace

}  // namespace strata::nn
