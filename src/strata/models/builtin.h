// Small built-in architectures, by name, for the command line and tests.
//   "small_cnn": Conv2D(32,3,same,relu)-MaxPool2-Conv2D(64,3,same,relu)-MaxPool2-Flatten-
//                Dense(128,relu)-Dropout(0.5)-Dense(classes,softmax)   (the main job's network)
//   "mlp":       Flatten-Dense(256,relu)-Dense(128,relu)-Dense(classes,softmax)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "strata/models/model.h"

namespace strata::models {

std::vector<std::string> builtin_model_names();
// Throws listing the names when `name` is unknown.
std::shared_ptr<Model> builtin_model(const std::string& name, const Shape& input_shape, std::int64_t classes);

}  // namespace strata::models
