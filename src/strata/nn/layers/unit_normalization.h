// UnitNormalization (Keras 3): scales each example to unit L2 norm over `axis` (axes of the
// full tensor, batch = 0; default -1): x / sqrt(max(sum(x^2), 1e-12)).
#pragma once

#include "strata/nn/handle.h"

namespace strata::nn {

class UnitNormalization final : public Layer {
 public:
  static std::vector<std::int64_t> default_axis() { return {-1}; }
  explicit UnitNormalization(std::vector<std::int64_t> axis = default_axis(), std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "UnitNormalization"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  bool accepts(const std::vector<Shape>& b, const std::vector<Shape>& g) const override { return same_except_time(b, g); }
  bool propagates_mask() const override { return true; }

 protected:
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  std::vector<std::int64_t> axis_;
};

}  // namespace strata::nn

namespace strata::layers {
inline Handle<nn::UnitNormalization> UnitNormalization(std::vector<std::int64_t> axis = nn::UnitNormalization::default_axis()) {
  return make<nn::UnitNormalization>(std::move(axis));
}
}  // namespace strata::layers
