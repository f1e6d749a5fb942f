// Identity: returns its input unchanged (Keras' keras.layers.Identity) — a placeholder in a
// graph, e.g. where a block's shortcut needs a layer of its own. Keeps a sequence mask.
#pragma once

#include "strata/nn/handle.h"

namespace strata::nn {

class Identity final : public Layer {
 public:
  explicit Identity(std::string name = "") : Layer(std::move(name)) {}
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Identity"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override { return in[0]; }
  bool propagates_mask() const override { return true; }

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override { return in[0]; }
};

}  // namespace strata::nn

namespace strata::layers {
inline Handle<nn::Identity> Identity() { return make<nn::Identity>(); }
}  // namespace strata::layers
