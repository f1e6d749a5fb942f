// The model zoo: published architectures built with the functional API, with Keras
// Applications' options (include_top, input_shape, classes, pooling, classifier_activation).
//
//   auto model = models::zoo("resnet50", models::ZooOptions().classes(10).input_shape({3, 224, 224}));
//
// VGG, ResNet and MobileNetV2 name their layers after torchvision's modules ("layer1.0.conv1",
// "features.3.conv.1.0", "classifier.1", ...) and pad stride-2 convolutions and pools
// symmetrically as torchvision does, so torchvision weights load by name (io::load_weights
// with MatchBy::name) and give torchvision's outputs (set bn_epsilon to 1e-5, torchvision's).
// InceptionV3 and Xception follow Keras Applications (names, "same"/"valid" padding).
// Parameter counts equal the references: Keras Applications' totals (moving statistics count
// as non-trainable parameters) and torchvision's trainable counts.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "strata/models/model.h"
#include "strata/nn/core_layers.h"

namespace strata::models {

struct ZooOptions {
  STRATA_OPTION(ZooOptions, bool, include_top, true)
  STRATA_OPTION(ZooOptions, Shape, input_shape, {})  // default (3, 224, 224); (3, 299, 299) for inception_v3, xception
  STRATA_OPTION(ZooOptions, std::int64_t, classes, 1000)
  STRATA_OPTION(ZooOptions, std::string, pooling, "")  // without the top: "" (feature maps), "avg" or "max"
  STRATA_OPTION(ZooOptions, std::string, classifier_activation, "softmax")  // "" or "linear": logits
  STRATA_OPTION(ZooOptions, double, alpha, 1.0)         // MobileNetV2's width multiplier
  STRATA_OPTION(ZooOptions, double, bn_epsilon, 1e-3)   // Keras' default; torchvision uses 1e-5
  // For 28x28 / 32x32 images: ResNet gets a 3x3 stride-1 stem without the max pool (the CIFAR
  // ResNets' stem), MobileNetV2 a stride-1 first convolution and first stride-2 block, VGG keeps
  // only the pools the input can afford. InceptionV3 and Xception have none (they need 75 / 71
  // pixels; resize the images).
  STRATA_OPTION(ZooOptions, bool, small_input, false)
};

// vgg16, vgg19, resnet18, resnet34, resnet50, resnet_compact, mobilenet_v2, inception_v3, xception.
// resnet_compact is a CIFAR-style ResNet-14 for small gray images (default input (1, 28, 28)):
// a 3x3 stem of 16 filters, three stages of two basic blocks (16, 32, 64 filters), 0.17M parameters.
std::vector<std::string> zoo_names();
// Throws listing the names for an unknown one, or naming the problem with the options.
std::shared_ptr<Model> zoo(const std::string& name, const ZooOptions& options = {});

// Whether images of `input_shape` (C, H, W) want the small-input variants (under 64 pixels).
inline bool needs_small_input(const Shape& input_shape) {
  return input_shape.size() == 3 && (input_shape[1] < 64 || input_shape[2] < 64);
}

}  // namespace strata::models
