// How a network expects its input images: the size handling, channel order, scaling and
// per-channel normalization it was trained with. Saved with imported models, so that
// `strata predict` feeds them photos the way their authors did.
//   preset "unit":     RGB/gray in [0, 1], the whole image resized (Strata's own models);
//   preset "imagenet": torchvision's — shorter side to 256, centre crop 224, RGB /255, mean
//                      (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225);
//   preset "caffe":    BGR 0-255 minus mean (104, 117, 123), the whole image resized (SqueezeNet);
//   preset "inception": RGB scaled to [-1, 1], the whole image resized (Keras MobileNet/Xception);
//   preset "raw":      RGB/gray 0-255 as they are, the whole image resized (e.g. the ONNX MNIST model).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/tensor/tensor.h"

namespace strata::data {

struct ImagePreprocessing {
  std::string preset = "unit";
  std::int64_t resize_shorter = 0;  // > 0: resize the shorter side to this, then centre-crop to the input
  std::string channel_order = "RGB";  // or "BGR"
  double scale = 1.0 / 255;           // applied to 0-255 pixel values
  double offset = 0.0;                // added after scaling
  std::vector<double> mean, std;      // per channel, after scale and offset (empty: none)

  static ImagePreprocessing from_preset(const std::string& name);  // throws listing the presets
  nlohmann::json to_json() const;
  static ImagePreprocessing from_json(const nlohmann::json& j);

  // Reads an image file as the network's input [C, H, W] (C = 1 or 3).
  Tensor load(const std::string& path, const Shape& input_shape) const;
};

}  // namespace strata::data
