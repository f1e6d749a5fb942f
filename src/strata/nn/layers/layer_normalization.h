// LayerNormalization (Keras 3): normalizes each example over `axis` (axes of the full tensor,
// batch = 0; default -1, the features of [B, F] or [B, T, F]) with its own mean and variance,
// then scales by gamma and shifts by beta, which have the shape of those axes. Axes that are
// not the trailing ones (e.g. the channels of a [C, H, W] image, axis 1) are moved to the end
// and back around the normalization.
#pragma once

#include "strata/nn/conv_layers.h"
#include "strata/nn/handle.h"

namespace strata::nn {

struct LayerNormalizationOptions : NormalizationOptions<LayerNormalizationOptions> {
  STRATA_OPTION(LayerNormalizationOptions, std::vector<std::int64_t>, axis, {-1})

  // The config fields but the name and the axis (an integer or a list: nn/layer_config.h).
  template <class Self, class Visit>
  static void fields(Self& o, Visit&& visit) {
    normalization_fields(o, visit);
  }
};

class LayerNormalization final : public Layer {
 public:
  explicit LayerNormalization(LayerNormalizationOptions options = {});
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "LayerNormalization"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  const LayerNormalizationOptions& options() const { return o_; }
  // Leading axes (the time steps of a sequence) may change; the normalized axes may not.
  bool accepts(const std::vector<Shape>& built, const std::vector<Shape>& given) const override;
  bool propagates_mask() const override { return true; }

 protected:
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  LayerNormalizationOptions o_;
  std::vector<std::int64_t> axes_;  // resolved at build: sorted, >= 1
  Weight *gamma_ = nullptr, *beta_ = nullptr;
};

}  // namespace strata::nn

namespace strata::layers {
inline Handle<nn::LayerNormalization> LayerNormalization(nn::LayerNormalizationOptions o = {}) {
  return make<nn::LayerNormalization>(std::move(o));
}
}  // namespace strata::layers
