// A Strata model described as Keras sees it: the model config (Keras 2 or Keras 3 dialect,
// channels-last) and each layer's weights in Keras' order and layout. The HDF5 writer
// (keras_h5) and the .keras archive writer (keras_archive) store this description.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/interop/keras_layers.h"

namespace strata::interop::keras {

enum class Dialect { keras2, keras3 };

struct ExportedLayer {
  std::string name;        // the layer's name (Keras 2 groups weights by it)
  std::string class_name;  // Keras' class
  LayerWeights weights;    // Keras' short names, channels-last values, in Keras' order
  nlohmann::json config;   // the layer's Keras config (where its weights live: var_groups)
  Shape kernel_rows_from;  // a Dense after a Flatten of feature maps: Strata's (C, H, W) (rows reordered)
};

struct ExportedModel {
  nlohmann::json config;  // the model's serialized config (config.json / model_config)
  std::vector<ExportedLayer> layers;  // every layer, input layers included, in model order
};

// Throws, listing every layer that has no Keras equivalent, before anything is written.
ExportedModel describe(models::Model& model, Dialect dialect, const std::string& what);

}  // namespace strata::interop::keras
