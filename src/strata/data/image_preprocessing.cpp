#include "strata/data/image_preprocessing.h"

#include "strata/data/image_io.h"
#include "strata/tensor/math.h"

namespace strata::data {

ImagePreprocessing ImagePreprocessing::from_preset(const std::string& name) {
  ImagePreprocessing p;
  p.preset = name;
  if (name == "unit") return p;
  if (name == "imagenet") {
    p.resize_shorter = 256;
    p.mean = {0.485, 0.456, 0.406};
    p.std = {0.229, 0.224, 0.225};
    return p;
  }
  if (name == "caffe") {
    p.channel_order = "BGR";
    p.scale = 1.0;
    p.mean = {104, 117, 123};
    return p;
  }
  if (name == "inception") {
    p.scale = 2.0 / 255;
    p.offset = -1.0;
    return p;
  }
  if (name == "raw") {
    p.scale = 1.0;
    return p;
  }
  throw Error("image preprocessing: unknown preset '" + name + "' (expected unit, imagenet, caffe, inception or raw)");
}

nlohmann::json ImagePreprocessing::to_json() const {
  return {{"preset", preset}, {"resize_shorter", resize_shorter}, {"channel_order", channel_order},
          {"scale", scale},   {"offset", offset},                 {"mean", mean},
          {"std", std}};
}

ImagePreprocessing ImagePreprocessing::from_json(const nlohmann::json& j) {
  ImagePreprocessing p;
  p.preset = j.value("preset", std::string("custom"));
  p.resize_shorter = j.value("resize_shorter", std::int64_t{0});
  p.channel_order = j.value("channel_order", std::string("RGB"));
  p.scale = j.value("scale", 1.0 / 255);
  p.offset = j.value("offset", 0.0);
  p.mean = j.value("mean", std::vector<double>{});
  p.std = j.value("std", std::vector<double>{});
  return p;
}

Tensor ImagePreprocessing::load(const std::string& path, const Shape& input_shape) const {
  STRATA_CHECK(input_shape.size() == 3 && (input_shape[0] == 1 || input_shape[0] == 3), "image input: the model takes ",
               shape_str(input_shape), ", not images (C, H, W) with 1 or 3 channels");
  const std::int64_t channels = input_shape[0], height = input_shape[1], width = input_shape[2];
  Tensor image = read_image(path, static_cast<int>(channels));  // [C, H, W] in [0, 1]
  if (resize_shorter > 0) {
    const std::int64_t h = image.size(1), w = image.size(2);
    const double f = static_cast<double>(resize_shorter) / static_cast<double>(std::min(h, w));
    // torchvision's Resize: the longer side is truncated, not rounded.
    const auto nh = std::max<std::int64_t>(height, static_cast<std::int64_t>(h * f));
    const auto nw = std::max<std::int64_t>(width, static_cast<std::int64_t>(w * f));
    image = resize(image, nh, nw);
    const std::int64_t top = (nh - height) / 2, left = (nw - width) / 2;
    image = image.slice(1, top, top + height).slice(2, left, left + width).contiguous();
  } else {
    image = resize(image, height, width);
  }
  if (channels == 3 && channel_order == "BGR") image = flip(image, 0);
  STRATA_CHECK(mean.empty() || static_cast<std::int64_t>(mean.size()) == channels, "image preprocessing: ", mean.size(),
               " means for ", channels, " channels");
  STRATA_CHECK(std.empty() || static_cast<std::int64_t>(std.size()) == channels, "image preprocessing: ", std.size(),
               " standard deviations for ", channels, " channels");
  const Tensor src = image.contiguous();
  Tensor out = Tensor::empty(src.shape());
  const std::int64_t plane = height * width;
  for (std::int64_t c = 0; c < channels; ++c) {
    const double m = mean.empty() ? 0.0 : mean[c], s = std.empty() ? 1.0 : std[c];
    const double a = 255.0 * scale / s, b = (offset - m) / s;  // pixel p in [0,1]: ((255p*scale + offset) - m) / s
    const float* in = src.data<float>() + c * plane;
    float* dst = out.data<float>() + c * plane;
    for (std::int64_t i = 0; i < plane; ++i) dst[i] = static_cast<float>(a * in[i] + b);
  }
  return out;
}

}  // namespace strata::data
