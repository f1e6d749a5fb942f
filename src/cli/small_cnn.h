// The main job's network, written directly on ops until the Keras-style layers land:
//   Conv2D(32,3x3,same)-ReLU-MaxPool2 - Conv2D(64,3x3,same)-ReLU-MaxPool2 - Flatten
//   - Dense(128)-ReLU - Dropout(0.5) - Dense(10)   (logits; softmax lives in the loss)
#pragma once

#include <vector>

#include "strata/ops/ops.h"

namespace strata::cli {

class SmallCnn {
 public:
  // Glorot-uniform kernels and zero biases (Keras' defaults), drawn from `gen`.
  SmallCnn(std::int64_t in_channels, std::int64_t image_size, std::int64_t classes, Generator& gen);
  Variable forward(const Variable& images, bool training, Generator& gen) const;
  std::vector<Variable> parameters() const;
  std::int64_t parameter_count() const;

 private:
  Variable conv1_w_, conv1_b_, conv2_w_, conv2_b_, dense1_w_, dense1_b_, dense2_w_, dense2_b_;
};

}  // namespace strata::cli
