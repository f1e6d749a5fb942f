#include "strata/nn/layers/zero_padding.h"

#include "strata/nn/layers/spatial_window.h"
#include "strata/nn/registry.h"
#include "strata/ops/ops.h"

namespace strata::nn {

template <std::size_t Rank>
ZeroPadding<Rank>::ZeroPadding(Padding padding, std::string name) : Layer(std::move(name)), padding_(padding) {
  check_amounts<Rank>(padding_, type(), "padding");
}

template <std::size_t Rank>
ZeroPadding<Rank>::ZeroPadding(std::int64_t p, std::string name) : ZeroPadding(uniform_amounts<Rank>(p), std::move(name)) {}

template <std::size_t Rank>
std::string ZeroPadding<Rank>::type() const {
  return ranked_name("ZeroPadding", Rank);
}

template <std::size_t Rank>
Shape ZeroPadding<Rank>::compute_output_shape(const std::vector<Shape>& in) const {
  check_spatial_example(in[0], Rank, type(), name());
  Shape out = in[0];
  for (std::size_t i = 0; i < Rank; ++i) out[i + 1] += padding_[i][0] + padding_[i][1];
  return out;
}

template <std::size_t Rank>
Variable ZeroPadding<Rank>::forward(const std::vector<Variable>& in, bool) {
  return ops::pad(in[0], std::vector<std::array<std::int64_t, 2>>(padding_.begin(), padding_.end()));
}

template <std::size_t Rank>
void ZeroPadding<Rank>::layer_config(nlohmann::json& c) const {
  c["padding"] = amounts_value<Rank>(padding_);
}

template <std::size_t Rank>
LayerPtr ZeroPadding<Rank>::from_config(const nlohmann::json& c) {
  return std::make_shared<ZeroPadding>(read_amounts<Rank>(c, "padding"), config::name(c));
}

template class ZeroPadding<1>;
template class ZeroPadding<2>;
template class ZeroPadding<3>;

namespace {
const LayerRegistrar zero_padding1d_registrar("ZeroPadding1D", ZeroPadding1D::from_config);
const LayerRegistrar zero_padding2d_registrar("ZeroPadding2D", ZeroPadding2D::from_config);
const LayerRegistrar zero_padding3d_registrar("ZeroPadding3D", ZeroPadding3D::from_config);
}  // namespace

}  // namespace strata::nn
