// Extension point of layer_from_config (declared in layer.h): container types defined in
// higher folders (Sequential, functional Model) register their factories here.
#pragma once

#include <functional>

#include "strata/nn/layer.h"

namespace strata::nn {
void register_layer(const std::string& class_name, std::function<LayerPtr(const nlohmann::json&)> factory);
}  // namespace strata::nn
