// Keras model configs <-> Strata models, shared by the Keras 2 HDF5 reader and writer and the
// Keras 3 .keras archive: which Keras class becomes which Strata layer, each layer's weight
// names in Keras' order, and the channels-last <-> channels-first conversions.
//
// Keras is channels-last (NHWC) and Strata channels-first (NCHW): imported image models take
// (C, H, W) input, kernels are transposed ((kh, kw, in, out) <-> (out, in, kh, kw)), and a
// Dense layer after a Flatten of feature maps gets its rows reordered, so outputs are equal.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "strata/models/model.h"

namespace strata::interop::keras {

// One layer's weights by Keras' short names ("kernel", "bias", "moving_mean", ...), in the
// layer's own order, as the file stores them (channels-last).
using LayerWeights = std::vector<std::pair<std::string, Tensor>>;
// Every layer's weights, by layer name.
using ModelWeights = std::map<std::string, LayerWeights>;

// A Keras model config (Keras 2's model_config or Keras 3's config.json: Sequential or
// Functional) with its weights as a Strata model. Every layer that cannot be imported is
// listed in one error, prefixed by `what`.
std::shared_ptr<models::Model> build_model(const nlohmann::json& model_config, const ModelWeights& weights,
                                           const std::string& what);

// The short names of a Keras layer's weights in the order Keras creates them (Keras 3 stores
// them as vars/0, vars/1, ... under that order).
std::vector<std::string> weight_names(const std::string& class_name, const nlohmann::json& config);

// A Keras weight in Strata's layout and back, by the weight's short name.
Tensor to_strata_layout(const std::string& name, const Tensor& keras_value);
Tensor to_keras_layout(const std::string& name, const Tensor& strata_value, std::int64_t depth_multiplier);

// The rows of a Dense kernel that reads a Flatten of feature maps: Keras flattens as (H, W, C),
// Strata as (C, H, W); `chw` is Strata's feature-map shape.
Tensor dense_rows_to_channels_first(const Tensor& kernel, const Shape& chw);
Tensor dense_rows_to_channels_last(const Tensor& kernel, const Shape& chw);

// (C, H, W) when the layer `name` of a functional model reads a Flatten of a feature map
// (through Dropout/Activation layers), else empty.
Shape flattened_input_of(const models::Model& model, const std::string& name);

}  // namespace strata::interop::keras
