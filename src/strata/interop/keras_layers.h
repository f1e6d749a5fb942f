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

// Where Keras keeps a layer's weights: the sub-path under the layer's own path in a Keras 3
// weights file ("vars"; "cell/vars" for a recurrent layer; "forward_layer/cell/vars" and
// "backward_layer/cell/vars" for a Bidirectional; "layer/vars" inside a TimeDistributed), and
// the Strata names of the weights stored there as 0, 1, ... in Keras' creation order.
struct VarGroup {
  std::string path;
  std::vector<std::string> names;
};
std::vector<VarGroup> var_groups(const std::string& class_name, const nlohmann::json& config);
// Every weight's Strata name, in Keras' order (the groups one after another).
std::vector<std::string> weight_names(const std::string& class_name, const nlohmann::json& config);
// Keras 2's name of a weight in a layer group's weight_names ("conv2d/kernel:0",
// "lstm/lstm_cell/kernel:0", "bidirectional/forward_lstm/lstm_cell/kernel:0").
std::string keras2_weight_path(const std::string& layer_name, const std::string& class_name, const nlohmann::json& config,
                               const std::string& weight);
// Keras 2's weight path back to the Strata name ("forward/kernel" for a Bidirectional's).
std::string strata_weight_name(const std::string& keras2_path);

// Loads weights into a model only when every one fits: otherwise throws "<what>: '<file>' does
// not fit the model:" with every problem, and the model is untouched.
using WeightPlan = std::vector<std::pair<nn::Weight*, Tensor>>;
void apply_weights(const WeightPlan& plan, const std::vector<std::string>& problems, const std::string& what,
                   const std::string& file);

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

// Keras' snake_case of a class name ("BatchNormalization" -> "batch_normalization",
// "ReLU" -> "re_lu"): Keras 3 names a model's layers by it in the weights file.
std::string snake_case(const std::string& class_name);

// Keras 3's weights-file path of each layer ("layers/conv2d_1"), in model order, given each
// layer's class name in that order (a class's second layer gets "_1", and so on).
std::vector<std::string> weight_paths(const std::vector<std::string>& class_names);

}  // namespace strata::interop::keras
