// GroupNormalization (Keras 3, Wu & He 2018): the channels are split into `groups` groups and
// each example is normalized per group (over the group's channels and all other axes), then
// scaled and shifted per channel. The channel axis is 1 (NCHW, and the features of [B, F]) —
// Keras' default -1 is its channels-last layout; another axis is moved to 1 and back.
// groups == channels is instance normalization, groups == 1 layer normalization over all axes.
#pragma once

#include "strata/nn/conv_layers.h"
#include "strata/nn/handle.h"

namespace strata::nn {

struct GroupNormalizationOptions : NormalizationOptions<GroupNormalizationOptions> {
  STRATA_OPTION(GroupNormalizationOptions, std::int64_t, groups, 32)
  STRATA_OPTION(GroupNormalizationOptions, std::int64_t, axis, 1)  // the channel axis of the full tensor

  template <class Self, class Visit>
  static void fields(Self& o, Visit&& visit) {
    visit("groups", o.groups_);
    visit("axis", o.axis_);
    normalization_fields(o, visit);
  }
};

class GroupNormalization final : public Layer {
 public:
  explicit GroupNormalization(GroupNormalizationOptions options = {});
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "GroupNormalization"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  const GroupNormalizationOptions& options() const { return o_; }
  std::int64_t channel_axis(std::size_t example_rank) const;  // resolved, >= 1

 protected:
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  GroupNormalizationOptions o_;
  Weight *gamma_ = nullptr, *beta_ = nullptr;
};

}  // namespace strata::nn

namespace strata::layers {
inline Handle<nn::GroupNormalization> GroupNormalization(nn::GroupNormalizationOptions o = {}) {
  return make<nn::GroupNormalization>(std::move(o));
}
inline Handle<nn::GroupNormalization> GroupNormalization(std::int64_t groups) {
  return GroupNormalization(nn::GroupNormalizationOptions().groups(groups));
}
}  // namespace strata::layers
