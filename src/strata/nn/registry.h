// The registry behind layer_from_config (declared in layer.h): each layer class registers its
// from_config in its own file with a LayerRegistrar (a layer defined outside the library can
// register the same way).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "strata/nn/layer.h"

namespace strata::nn {
using LayerFactory = std::function<LayerPtr(const nlohmann::json&)>;
void register_layer(const std::string& class_name, LayerFactory factory);

// Registers a class at static initialization, from the file that defines it:
//   const LayerRegistrar dense_registrar("Dense", Dense::from_config);
// (the library is linked whole-archive, so a file nothing else refers to still registers).
struct LayerRegistrar {
  LayerRegistrar(const std::string& class_name, LayerFactory factory) { register_layer(class_name, std::move(factory)); }
};
// Every class name layer_from_config knows (sorted), for tests that must cover each one.
std::vector<std::string> registered_layer_names();

// Refuses a config whose integer-valued fields (sizes, counts, axes, shapes) hold a number
// that is not a whole number within 64 bits: nlohmann's conversion of 3e54 to an integer is
// undefined behaviour (found by fuzz/model_spec), before any layer reads it.
void check_integer_fields(const nlohmann::json& config, const std::string& type);
}  // namespace strata::nn
