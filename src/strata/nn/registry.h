// Extension point of layer_from_config (declared in layer.h): container types defined in
// higher folders (Sequential, functional Model) register their factories here.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "strata/nn/layer.h"

namespace strata::nn {
void register_layer(const std::string& class_name, std::function<LayerPtr(const nlohmann::json&)> factory);
// Every class name layer_from_config knows (sorted), for tests that must cover each one.
std::vector<std::string> registered_layer_names();

// Refuses a config whose integer-valued fields (sizes, counts, axes, shapes) hold a number
// that is not a whole number within 64 bits: nlohmann's conversion of 3e54 to an integer is
// undefined behaviour (found by fuzz/model_spec), before any layer reads it.
void check_integer_fields(const nlohmann::json& config, const std::string& type);
}  // namespace strata::nn
