// Image files: PNG/JPEG decoding (stb_image, from Debian's libstb-dev), bilinear resizing and
// PNG writing. Images are f32 [C, H, W] with values in [0, 1].
#pragma once

#include <string>
#include <vector>

#include "strata/tensor/tensor.h"

namespace strata::data {

// Decodes `path` to `channels` (1 gray, 3 RGB) and resizes to height x width (0: keep).
// Throws naming the file and the decoder's reason when it cannot be read.
Tensor read_image(const std::string& path, int channels, std::int64_t height = 0, std::int64_t width = 0);
// Bilinear resize of [C, H, W] (half-pixel centres, as OpenCV/PIL).
Tensor resize(const Tensor& image, std::int64_t height, std::int64_t width);
// Writes [C, H, W] (C = 1 or 3, values clamped to [0, 1]) as an 8-bit PNG, atomically.
void write_png(const std::string& path, const Tensor& image);
// The same PNG as bytes in memory (for embedding in a page).
std::vector<unsigned char> encode_png(const Tensor& image);

}  // namespace strata::data
