// SpatialDropout1D/2D/3D (Keras 3): dropout of whole channels of (C, L), (C, H, W) or
// (C, D, H, W) — one draw per example and channel, shared by every position — for feature maps
// whose neighbouring positions are correlated, where plain dropout barely regularizes. Kept
// channels are scaled by 1/(1 - rate) in training; the identity otherwise.
#pragma once

#include "strata/nn/handle.h"
#include "strata/nn/layer.h"

namespace strata::nn {

template <std::size_t Rank>
class SpatialDropout final : public Layer {
 public:
  explicit SpatialDropout(double rate, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override;
  double rate() const { return rate_; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override { c["rate"] = rate_; }

 private:
  double rate_;
};
using SpatialDropout1D = SpatialDropout<1>;
using SpatialDropout2D = SpatialDropout<2>;
using SpatialDropout3D = SpatialDropout<3>;
extern template class SpatialDropout<1>;
extern template class SpatialDropout<2>;
extern template class SpatialDropout<3>;

}  // namespace strata::nn

namespace strata::layers {
inline Handle<nn::SpatialDropout1D> SpatialDropout1D(double rate) { return make<nn::SpatialDropout1D>(rate); }
inline Handle<nn::SpatialDropout2D> SpatialDropout2D(double rate) { return make<nn::SpatialDropout2D>(rate); }
inline Handle<nn::SpatialDropout3D> SpatialDropout3D(double rate) { return make<nn::SpatialDropout3D>(rate); }
}  // namespace strata::layers
