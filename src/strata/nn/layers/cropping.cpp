#include "strata/nn/layers/cropping.h"

#include "strata/nn/layers/spatial_window.h"
#include "strata/nn/registry.h"
#include "strata/ops/ops.h"

namespace strata::nn {

template <std::size_t Rank>
Cropping<Rank>::Cropping(Amounts cropping, std::string name) : Layer(std::move(name)), cropping_(cropping) {
  check_amounts<Rank>(cropping_, type(), "cropping");
}

template <std::size_t Rank>
Cropping<Rank>::Cropping(std::int64_t c, std::string name) : Cropping(uniform_amounts<Rank>(c), std::move(name)) {}

template <std::size_t Rank>
std::string Cropping<Rank>::type() const {
  return ranked_name("Cropping", Rank);
}

template <std::size_t Rank>
Shape Cropping<Rank>::compute_output_shape(const std::vector<Shape>& in) const {
  check_spatial_example(in[0], Rank, type(), name());
  Shape out = in[0];
  for (std::size_t i = 0; i < Rank; ++i) {
    out[i + 1] -= cropping_[i][0] + cropping_[i][1];
    STRATA_CHECK(out[i + 1] >= 1, type(), " '", name(), "': cropping (", cropping_[i][0], ", ", cropping_[i][1],
                 ") leaves nothing of axis ", i + 1, " of input ", shape_str(in[0]));
  }
  return out;
}

template <std::size_t Rank>
Variable Cropping<Rank>::forward(const std::vector<Variable>& in, bool) {
  Variable y = in[0];
  for (std::size_t i = 0; i < Rank; ++i) {
    const auto axis = static_cast<std::int64_t>(i) + 2, size = y.size(axis);
    y = ops::slice(y, axis, cropping_[i][0], size - cropping_[i][1]);
  }
  return y;
}

template <std::size_t Rank>
void Cropping<Rank>::layer_config(nlohmann::json& c) const {
  c["cropping"] = amounts_value<Rank>(cropping_);
}

template <std::size_t Rank>
LayerPtr Cropping<Rank>::from_config(const nlohmann::json& c) {
  return std::make_shared<Cropping>(read_amounts<Rank>(c, "cropping"), config::name(c));
}

template class Cropping<1>;
template class Cropping<2>;
template class Cropping<3>;

namespace {
const LayerRegistrar cropping1d_registrar("Cropping1D", Cropping1D::from_config);
const LayerRegistrar cropping2d_registrar("Cropping2D", Cropping2D::from_config);
const LayerRegistrar cropping3d_registrar("Cropping3D", Cropping3D::from_config);
}  // namespace

}  // namespace strata::nn
