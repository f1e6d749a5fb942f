#include "strata/nn/layers/group_normalization.h"

#include <cmath>

#include "strata/nn/layer_config.h"
#include "strata/nn/registry.h"
#include "strata/ops/ops.h"

namespace strata::nn {

GroupNormalization::GroupNormalization(GroupNormalizationOptions o) : Layer(o.name_), o_(std::move(o)) {
  STRATA_CHECK(o_.groups_ >= 1, "GroupNormalization: groups must be >= 1, got ", o_.groups_);
  STRATA_CHECK(std::isfinite(o_.epsilon_) && o_.epsilon_ > 0, "GroupNormalization: epsilon must be positive, got ",
               o_.epsilon_);
}

std::int64_t GroupNormalization::channel_axis(std::size_t example_rank) const {
  return example_axes({o_.axis_}, example_rank, "GroupNormalization '" + name() + "'")[0];
}

Shape GroupNormalization::compute_output_shape(const std::vector<Shape>& in) const {
  const std::int64_t channels = in[0].at(channel_axis(in[0].size()) - 1);
  STRATA_CHECK(channels % o_.groups_ == 0, "GroupNormalization '", name(), "': ", channels,
               " channels cannot be split into ", o_.groups_, " groups (input ", shape_str(in[0]), ")");
  return in[0];
}

void GroupNormalization::build(const std::vector<Shape>& in) {
  compute_output_shape(in);  // validates the groups
  const Shape params{in[0][channel_axis(in[0].size()) - 1]};
  if (o_.scale_) gamma_ = &add_weight("gamma", params, initializer(o_.gamma_initializer_));
  if (o_.center_) beta_ = &add_weight("beta", params, initializer(o_.beta_initializer_));
}

Variable GroupNormalization::forward(const std::vector<Variable>& in, bool) {
  Variable x = in[0];
  const std::int64_t axis = channel_axis(static_cast<std::size_t>(x.dim() - 1));
  std::vector<std::int64_t> order(x.dim());  // swaps the channel axis with axis 1 (its own inverse)
  for (std::int64_t a = 0; a < x.dim(); ++a) order[a] = a;
  std::swap(order[1], order[axis]);
  if (axis != 1) x = ops::permute(x, order);
  // [B, C, rest...] -> [B, groups, C/groups * rest]: each group is one row to normalize.
  const Shape shape = x.shape();
  Variable y = ops::reshape(ops::layer_norm(ops::reshape(x, {shape[0], o_.groups_, -1}), 1, Variable(), Variable(),
                                            o_.epsilon_),
                            shape);
  // Per-channel scale and shift, shaped [C, 1, ...] to broadcast over the other axes.
  Shape per_channel{shape[1]};
  for (std::int64_t a = 2; a < x.dim(); ++a) per_channel.push_back(1);
  if (gamma_) y = ops::mul(y, ops::reshape(gamma_->variable, per_channel));
  if (beta_) y = ops::add(y, ops::reshape(beta_->variable, per_channel));
  return axis != 1 ? ops::permute(y, order) : y;
}

void GroupNormalization::layer_config(nlohmann::json& c) const { config::write_fields(o_, c); }

LayerPtr GroupNormalization::from_config(const nlohmann::json& c) {
  GroupNormalizationOptions o;
  config::read_fields(c, o);
  return std::make_shared<GroupNormalization>(o.name(config::name(c)));
}

namespace {
const LayerRegistrar group_normalization_registrar("GroupNormalization", GroupNormalization::from_config);
}  // namespace

}  // namespace strata::nn
