// Image files: PNG/JPEG decoding (stb_image, from Debian's libstb-dev), bilinear resizing and
// PNG writing. Images are f32 [C, H, W] with values in [0, 1].
#pragma once

#include <string>
#include <vector>

#include "strata/tensor/tensor.h"

namespace strata::data {

// The largest image decoded: 16384 pixels a side, 64 megapixels in all (256 MB of RGB floats).
constexpr int kMaxImageSide = 16384;
constexpr std::int64_t kMaxImagePixels = std::int64_t{1} << 26;

// Decodes the PNG or JPEG file `path` to `channels` (1 gray, 3 RGB) and resizes to height x
// width (0: keep).
// Throws naming the file and the decoder's reason when it cannot be read, is empty (0 pixels
// wide or high) or larger than the limits above (checked from the header, before decoding).
Tensor read_image(const std::string& path, int channels, std::int64_t height = 0, std::int64_t width = 0);
// Why `path` would not be decoded (unreadable, empty, too large), from its header alone; "" if it would.
std::string image_problem(const std::string& path);
// Bilinear resize of [C, H, W] (half-pixel centres, as OpenCV/PIL).
Tensor resize(const Tensor& image, std::int64_t height, std::int64_t width);
// Writes [C, H, W] (C = 1 or 3, values clamped to [0, 1]) as an 8-bit PNG, atomically.
void write_png(const std::string& path, const Tensor& image);
// The same PNG as bytes in memory (for embedding in a page).
std::vector<unsigned char> encode_png(const Tensor& image);

}  // namespace strata::data
