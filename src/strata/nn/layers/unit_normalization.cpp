#include "strata/nn/layers/unit_normalization.h"

#include <limits>

#include "strata/nn/layer_config.h"
#include "strata/nn/registry.h"
#include "strata/ops/ops.h"

namespace strata::nn {

UnitNormalization::UnitNormalization(std::vector<std::int64_t> axis, std::string name)
    : Layer(std::move(name)), axis_(std::move(axis)) {
  STRATA_CHECK(!axis_.empty(), "UnitNormalization: needs at least one axis");
}

Shape UnitNormalization::compute_output_shape(const std::vector<Shape>& in) const {
  example_axes(axis_, in[0].size(), "UnitNormalization '" + name() + "'");  // validates
  return in[0];
}

Variable UnitNormalization::forward(const std::vector<Variable>& in, bool) {
  const Variable& x = in[0];
  const auto axes = example_axes(axis_, static_cast<std::size_t>(x.dim() - 1), "UnitNormalization '" + name() + "'");
  // Keras: the squared norm is floored at 1e-12, so an all-zero example stays zero.
  const Variable squared_norm = ops::clip(ops::sum(ops::mul(x, x), axes, true), 1e-12, std::numeric_limits<double>::infinity());
  return ops::mul(x, ops::pow(squared_norm, -0.5));
}

void UnitNormalization::layer_config(nlohmann::json& c) const { c["axis"] = config::axes_value(axis_); }

LayerPtr UnitNormalization::from_config(const nlohmann::json& c) {
  return std::make_shared<UnitNormalization>(config::axes(c, "axis", default_axis()), config::name(c));
}

namespace {
const LayerRegistrar unit_normalization_registrar("UnitNormalization", UnitNormalization::from_config);
}  // namespace

}  // namespace strata::nn
