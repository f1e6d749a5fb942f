#include "strata/nn/layers/layer_normalization.h"

#include <algorithm>
#include <cmath>

#include "strata/nn/layer_config.h"
#include "strata/nn/registry.h"
#include "strata/ops/ops.h"

namespace strata::nn {

LayerNormalization::LayerNormalization(LayerNormalizationOptions o) : Layer(o.name_), o_(std::move(o)) {
  STRATA_CHECK(std::isfinite(o_.epsilon_) && o_.epsilon_ > 0, "LayerNormalization: epsilon must be positive, got ",
               o_.epsilon_);
  STRATA_CHECK(!o_.axis_.empty(), "LayerNormalization: needs at least one axis");
}

Shape LayerNormalization::compute_output_shape(const std::vector<Shape>& in) const {
  example_axes(o_.axis_, in[0].size(), "LayerNormalization '" + name() + "'");  // validates
  return in[0];
}

bool LayerNormalization::accepts(const std::vector<Shape>& built, const std::vector<Shape>& given) const {
  if (given.size() != 1 || given[0].size() != built[0].size()) return false;
  for (auto a : axes_)
    if (given[0][a - 1] != built[0][a - 1]) return false;
  return true;
}

void LayerNormalization::build(const std::vector<Shape>& in) {
  axes_ = example_axes(o_.axis_, in[0].size(), "LayerNormalization '" + name() + "'");
  Shape params;
  for (auto a : axes_) params.push_back(in[0][a - 1]);
  if (o_.scale_) gamma_ = &add_weight("gamma", params, initializer(o_.gamma_initializer_));
  if (o_.center_) beta_ = &add_weight("beta", params, initializer(o_.beta_initializer_));
}

Variable LayerNormalization::forward(const std::vector<Variable>& in, bool) {
  const Variable& x = in[0];
  const auto k = static_cast<std::int64_t>(axes_.size());
  const Variable gamma = gamma_ ? gamma_->variable : Variable(), beta = beta_ ? beta_->variable : Variable();
  bool trailing = true;
  for (std::int64_t i = 0; i < k; ++i) trailing = trailing && axes_[i] == x.dim() - k + i;
  if (trailing) return ops::layer_norm(x, k, gamma, beta, o_.epsilon_);
  // Move the normalized axes to the end (in order), normalize, and put them back.
  std::vector<std::int64_t> order;
  for (std::int64_t a = 0; a < x.dim(); ++a)
    if (std::find(axes_.begin(), axes_.end(), a) == axes_.end()) order.push_back(a);
  order.insert(order.end(), axes_.begin(), axes_.end());
  std::vector<std::int64_t> inverse(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) inverse[order[i]] = static_cast<std::int64_t>(i);
  return ops::permute(ops::layer_norm(ops::permute(x, order), k, gamma, beta, o_.epsilon_), inverse);
}

void LayerNormalization::layer_config(nlohmann::json& c) const {
  c["axis"] = config::axes_value(o_.axis_);
  config::write_fields(o_, c);
}

LayerPtr LayerNormalization::from_config(const nlohmann::json& c) {
  LayerNormalizationOptions o;
  o.axis(config::axes(c, "axis", o.axis_));
  config::read_fields(c, o);
  return std::make_shared<LayerNormalization>(o.name(config::name(c)));
}

namespace {
const LayerRegistrar layer_normalization_registrar("LayerNormalization", LayerNormalization::from_config);
}  // namespace

}  // namespace strata::nn
