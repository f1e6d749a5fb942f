// Transfer learning: cut a pre-trained model at a layer to use it as a feature extractor, put
// a new classification head on it, and freeze or unfreeze layers by name pattern or up to a
// layer (frozen BatchNormalization layers normalize with their moving statistics, as Keras).
//
//   auto base = models::zoo("resnet18", ...);
//   io::load_weights("resnet18.weights", *base, io::MatchBy::name);
//   auto features = models::cut_at(base, "layer3.1.relu");
//   auto model = models::with_new_head(features, 5);        // pooling + Dense(5, softmax) "head"
//   models::set_trainable(*model, ".*", false);              // freeze everything...
//   models::set_trainable(*model, "head", true);             // ...but the head
//   // compile and fit; later unfreeze the top blocks, compile again with a lower rate
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "strata/models/model.h"

namespace strata::models {

// A functional model sharing `model`'s layers (and so its weights) from its inputs up to the
// output of layer `layer_name`.
std::shared_ptr<Model> cut_at(const std::shared_ptr<Model>& model, const std::string& layer_name);

// `base` followed, when its output is a feature map [C, H, W], by `pooling` ("avg" global
// average, "max" global max, or "flatten" to keep every position), then dropout (when > 0) and
// Dense(classes, activation) named "head". The base's layers are flattened into the new graph
// (not nested), so their names stay as they are.
std::shared_ptr<Model> with_new_head(const std::shared_ptr<Model>& base, std::int64_t classes, double dropout = 0.0,
                                     const std::string& activation = "softmax", const std::string& pooling = "avg");

// Sets `trainable` on every layer whose name matches the regular expression (whole name);
// returns how many layers matched (0 is an error: a pattern that matches nothing is a typo).
int set_trainable(Model& model, const std::string& name_pattern, bool trainable);
// Freezes every layer in execution order up to and including `layer_name`, and unfreezes the
// layers after it; returns the number frozen.
int freeze_up_to(Model& model, const std::string& layer_name);

// Learning-rate multipliers for discriminative fine-tuning, one per trainable variable of
// `model` in trainable_variables() order (what compile() hands the optimizer): the multiplier
// of the first pattern (regular expression, whole layer name) that matches the weight's layer,
// 1 when none does. Pass the result to Optimizer::set_learning_rate_multipliers.
std::vector<double> layer_learning_rates(Model& model, const std::vector<std::pair<std::string, double>>& patterns);

}  // namespace strata::models
