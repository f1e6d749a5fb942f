#include "strata/nn/layers/upsampling.h"

#include "strata/nn/layer_config.h"
#include "strata/nn/layers/spatial_window.h"
#include "strata/nn/registry.h"

namespace strata::nn {

namespace {
// Upsampled sizes beyond this are refused, so a hostile config cannot ask for an absurd output.
constexpr std::int64_t kMaxFactor = 1 << 16;
}  // namespace

template <std::size_t Rank>
UpSampling<Rank>::UpSampling(Size size, std::string interpolation, std::string name)
    : Layer(std::move(name)), size_(size), interpolation_(std::move(interpolation)) {
  for (auto s : size_) STRATA_CHECK(s >= 1 && s <= kMaxFactor, type(), ": size must be in 1..", kMaxFactor, ", got ", s);
  STRATA_CHECK(interpolation_ == "nearest" || (Rank == 2 && interpolation_ == "bilinear"), type(),
               ": interpolation must be \"nearest\"", Rank == 2 ? " or \"bilinear\"" : "", ", got \"", interpolation_, "\"");
  std::vector<double> scales{1.0};  // the channel axis stays
  for (auto s : size_) scales.push_back(static_cast<double>(s));
  ResizeOptions o;
  o.scales(scales);
  if (interpolation_ == "nearest") o.mode("nearest").coordinate_transformation_mode("asymmetric").nearest_mode("floor");
  else o.mode("linear").coordinate_transformation_mode("half_pixel");
  resize_ = std::make_shared<Resize>(o);
}

template <std::size_t Rank>
std::string UpSampling<Rank>::type() const {
  return ranked_name("UpSampling", Rank);
}

template <std::size_t Rank>
Shape UpSampling<Rank>::compute_output_shape(const std::vector<Shape>& in) const {
  check_spatial_example(in[0], Rank, type(), name());
  Shape out = in[0];
  for (std::size_t i = 0; i < Rank; ++i) out[i + 1] *= size_[i];
  return out;
}

template <std::size_t Rank>
Variable UpSampling<Rank>::forward(const std::vector<Variable>& in, bool) {
  return resize_->call({in[0]}, false);
}

template <std::size_t Rank>
void UpSampling<Rank>::layer_config(nlohmann::json& c) const {
  c["size"] = size_;
  c["interpolation"] = interpolation_;
}

template <std::size_t Rank>
LayerPtr UpSampling<Rank>::from_config(const nlohmann::json& c) {
  return std::make_shared<UpSampling>(config::require<Size>(c, "size"),
                                      config::get<std::string>(c, "interpolation", default_interpolation), config::name(c));
}

template class UpSampling<1>;
template class UpSampling<2>;
template class UpSampling<3>;

namespace {
const LayerRegistrar upsampling1d_registrar("UpSampling1D", UpSampling1D::from_config);
const LayerRegistrar upsampling2d_registrar("UpSampling2D", UpSampling2D::from_config);
const LayerRegistrar upsampling3d_registrar("UpSampling3D", UpSampling3D::from_config);
}  // namespace

}  // namespace strata::nn
