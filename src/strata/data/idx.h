// IDX files (the MNIST / Fashion-MNIST format), gzipped or not, and the Fashion-MNIST data set
// that Debian's dataset-fashion-mnist package installs.
#pragma once

#include <string>
#include <vector>

#include "strata/tensor/tensor.h"

namespace strata::data {

// Reads an unsigned-byte IDX file: magic 0x00000803 (images [N,rows,cols]) or 0x00000801
// (labels [N]). Images come back as f32 with the raw 0..255 values, labels as i64.
// A wrong magic number, an unsupported element type or a truncated file throws an Error
// naming the file, what was expected and what was found.
Tensor read_idx(const std::string& path);

struct LabelledImages {
  Tensor images;  // [N,1,H,W] f32, scaled to [0,1]
  Tensor labels;  // [N] i64
  std::vector<std::string> class_names;
};

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// split is "train" (60,000 images) or "test" (10,000).
LabelledImages load_fashion_mnist(const std::string& split, const std::string& dir = kFashionMnistDir);

}  // namespace strata::data
