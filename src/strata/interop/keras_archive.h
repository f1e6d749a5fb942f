// Keras 3 `.keras` archives: a zip (read and written with libzip) holding config.json (the
// serialized model), model.weights.h5 (each layer's weights under layers/<class>_<n>/vars/<i>,
// recurrent layers under .../cell/vars/<i>) and metadata.json.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "strata/interop/hdf5_file.h"
#include "strata/interop/keras_layers.h"

namespace strata::interop {

std::shared_ptr<models::Model> import_keras_archive(const std::string& path);

// Writes `model` as a Keras 3 archive; layers without a Keras equivalent are listed in one
// error and nothing is written; the file is replaced atomically.
void export_keras_archive(models::Model& model, const std::string& path);

bool is_keras_archive(const std::string& path);

namespace keras {
// The weights a Keras 3 weights file holds for the layers of `model_config`, by layer name.
ModelWeights read_keras3_weights(const hdf5::File& file, const nlohmann::json& model_config, const std::string& what);
// Whether an HDF5 file is laid out as Keras 3 weights (a `layers` group, no layer_names).
bool is_keras3_weights(const hdf5::File& file);
// Loads a Keras 3 weights file into `model` (the layers in Keras order, matched by path).
void load_keras3_weights(const hdf5::File& file, models::Model& model);
}  // namespace keras

}  // namespace strata::interop
