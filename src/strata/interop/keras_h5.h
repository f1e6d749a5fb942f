// Keras 2 HDF5 files. Full-model files (model.save(): a `model_config` JSON attribute and a
// `model_weights` group) become Strata models with their weights; weights-only files
// (model.save_weights()) load into an existing Strata model by layer name.
//
// Keras is channels-last (NHWC) and Strata channels-first (NCHW): imported image models take
// (C, H, W) input, kernels are transposed ((kh, kw, in, out) -> (out, in, kh, kw)), and a Dense
// layer after a Flatten of feature maps gets its rows reordered, so outputs equal Keras'.
// Weights are found through each layer group's `weight_names` attribute (group names differ
// from layer names in real files); fixed-length and variable-length strings are both read.
#pragma once

#include <memory>
#include <string>

#include "strata/models/model.h"

namespace strata::interop {

std::shared_ptr<models::Model> import_keras_h5(const std::string& path);

// Loads a weights-only (or full-model) Keras file into `model`: each Keras layer's weights go
// to the Strata layer of the same name, converted to Strata's layout. Everything is checked
// before anything changes: missing layers or mis-shaped weights are listed in one error.
// A Dense layer that reads a Flatten of feature maps (in a functional model) gets its rows
// reordered as on import.
void load_keras_weights(const std::string& path, models::Model& model);

// True when the file starts with the HDF5 signature.
bool is_hdf5_file(const std::string& path);

}  // namespace strata::interop
