#include "strata/nn/layers/spatial_dropout.h"

#include "strata/nn/layer_config.h"
#include "strata/nn/layers/spatial_window.h"
#include "strata/nn/registry.h"
#include "strata/ops/ops.h"

namespace strata::nn {

template <std::size_t Rank>
SpatialDropout<Rank>::SpatialDropout(double rate, std::string name) : Layer(std::move(name)), rate_(rate) {
  STRATA_CHECK(rate_ >= 0.0 && rate_ < 1.0, type(), ": rate must be in [0, 1), got ", rate_);
}

template <std::size_t Rank>
std::string SpatialDropout<Rank>::type() const {
  return ranked_name("SpatialDropout", Rank);
}

template <std::size_t Rank>
Shape SpatialDropout<Rank>::compute_output_shape(const std::vector<Shape>& in) const {
  check_spatial_example(in[0], Rank, type(), name());
  return in[0];
}

template <std::size_t Rank>
Variable SpatialDropout<Rank>::forward(const std::vector<Variable>& in, bool training) {
  Shape noise(in[0].dim(), 1);  // [N, C, 1, ...]: one draw per example and channel
  noise[0] = in[0].size(0);
  noise[1] = in[0].size(1);
  return ops::dropout(in[0], rate_, training, noise);
}

template <std::size_t Rank>
LayerPtr SpatialDropout<Rank>::from_config(const nlohmann::json& c) {
  return std::make_shared<SpatialDropout>(config::require<double>(c, "rate"), config::name(c));
}

template class SpatialDropout<1>;
template class SpatialDropout<2>;
template class SpatialDropout<3>;

namespace {
const LayerRegistrar spatial_dropout1d_registrar("SpatialDropout1D", SpatialDropout1D::from_config);
const LayerRegistrar spatial_dropout2d_registrar("SpatialDropout2D", SpatialDropout2D::from_config);
const LayerRegistrar spatial_dropout3d_registrar("SpatialDropout3D", SpatialDropout3D::from_config);
}  // namespace

}  // namespace strata::nn
