// Keras HDF5 files. Keras 2 full-model files (model.save(): a `model_config` JSON attribute
// and a `model_weights` group) become Strata models with their weights; weights-only files —
// Keras 2's save_weights() and Keras 3's `*.weights.h5` — load into an existing Strata model.
// export_keras_h5 writes a Strata model as a Keras 2 full-model file.
//
// Keras is channels-last and Strata channels-first: see keras_layers.h for the conversions.
// Keras 2 weights are found through each layer group's `weight_names` attribute (group names
// differ from layer names in real files); fixed-length and variable-length strings are read.
#pragma once

#include <memory>
#include <string>

#include "strata/models/model.h"

namespace strata::interop {

std::shared_ptr<models::Model> import_keras_h5(const std::string& path);

// Loads a weights-only (or full-model) Keras file into `model`. Keras 2 files match layers by
// name; Keras 3 `.weights.h5` files by Keras' layer paths (layers/<class>_<n>/vars/<i>), so
// the model must have the same layers in the same order. Everything is checked before
// anything changes: missing layers or mis-shaped weights are listed in one error.
void load_keras_weights(const std::string& path, models::Model& model);

// Writes `model` as a Keras 2 HDF5 full-model file (channels-last). Layers without a Keras
// equivalent are listed in one error and nothing is written; the file is replaced atomically.
void export_keras_h5(models::Model& model, const std::string& path);

// True when the file starts with the HDF5 signature.
bool is_hdf5_file(const std::string& path);

}  // namespace strata::interop
