#include "strata/data/image_io.h"

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "strata/io/atomic_file.h"

namespace strata::data {

namespace {

// The file's bytes, read once: the checks below and the decoder all work on them.
bool read_bytes(const std::string& path, std::vector<unsigned char>& bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in.good()) return false;
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

// The header's size is checked before decoding: a 100-byte file can declare 50,000 x 4,000
// pixels, and stb_image accepts a width or height of 0 (which would then index before an empty
// buffer). PNG and JPEG only: stb_image's other decoders (PNM, PSD, HDR, ...) are less tried,
// and fuzzing found one that reads out of bounds on a truncated 16-bit PNM.
std::string problem_of(const std::vector<unsigned char>& bytes, const std::string& path) {
  const bool png = bytes.size() >= 8 && std::memcmp(bytes.data(), "\x89PNG\r\n\x1a\n", 8) == 0;
  const bool jpeg = bytes.size() >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff;
  if (!png && !jpeg) return detail::concat("'", path, "' is not a PNG or JPEG image");
  int w = 0, h = 0, channels = 0;
  if (!stbi_info_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &channels))
    return detail::concat("cannot decode '", path, "': ", stbi_failure_reason());
  if (w <= 0 || h <= 0) return detail::concat("'", path, "' is an empty image (", w, "x", h, " pixels)");
  if (w > kMaxImageSide || h > kMaxImageSide || std::int64_t{w} * h > kMaxImagePixels)
    return detail::concat("'", path, "' is ", w, "x", h, " pixels; images up to ", kMaxImageSide, " pixels a side and ",
                          kMaxImagePixels, " pixels in all are decoded");
  return "";
}

}  // namespace

std::string image_problem(const std::string& path) {
  std::vector<unsigned char> bytes;
  if (!read_bytes(path, bytes)) return detail::concat("cannot open '", path, "'");
  return problem_of(bytes, path);
}

Tensor read_image(const std::string& path, int channels, std::int64_t height, std::int64_t width) {
  STRATA_CHECK(channels == 1 || channels == 3, "read_image: channels must be 1 or 3, got ", channels);
  std::vector<unsigned char> bytes;
  STRATA_CHECK(read_bytes(path, bytes), "read_image: cannot open '", path, "'");
  STRATA_CHECK(bytes.size() <= static_cast<std::size_t>(INT32_MAX), "read_image: '", path, "' is larger than 2 GB");
  const std::string problem = problem_of(bytes, path);
  STRATA_CHECK(problem.empty(), "read_image: ", problem);
  int w = 0, h = 0, file_channels = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> pixels(
      stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &file_channels, channels),
      stbi_image_free);
  STRATA_CHECK(pixels != nullptr, "read_image: cannot decode '", path, "': ", stbi_failure_reason());
  Tensor image = Tensor::empty({channels, h, w});
  float* out = image.data<float>();
  for (int c = 0; c < channels; ++c)
    for (int i = 0; i < h * w; ++i) out[c * h * w + i] = pixels.get()[i * channels + c] / 255.0f;
  if ((height > 0 && height != h) || (width > 0 && width != w))
    return resize(image, height > 0 ? height : h, width > 0 ? width : w);
  return image;
}

Tensor resize(const Tensor& image_in, std::int64_t height, std::int64_t width) {
  STRATA_CHECK(image_in.dim() == 3, "resize: expected an image [C,H,W] but got ", shape_str(image_in.shape()));
  STRATA_CHECK(height > 0 && width > 0, "resize: target size must be positive, got ", height, "x", width);
  STRATA_CHECK(image_in.size(1) > 0 && image_in.size(2) > 0, "resize: the image is empty (", shape_str(image_in.shape()), ")");
  const Tensor image = image_in.to(DType::f32).contiguous();
  const std::int64_t C = image.size(0), H = image.size(1), W = image.size(2);
  Tensor out = Tensor::empty({C, height, width});
  const float* src = image.data<float>();
  float* dst = out.data<float>();
  const double sy = double(H) / double(height), sx = double(W) / double(width);
  for (std::int64_t y = 0; y < height; ++y) {
    const double fy = std::clamp((y + 0.5) * sy - 0.5, 0.0, double(H - 1));
    const std::int64_t y0 = static_cast<std::int64_t>(fy), y1 = std::min(y0 + 1, H - 1);
    const double wy = fy - double(y0);
    for (std::int64_t x = 0; x < width; ++x) {
      const double fx = std::clamp((x + 0.5) * sx - 0.5, 0.0, double(W - 1));
      const std::int64_t x0 = static_cast<std::int64_t>(fx), x1 = std::min(x0 + 1, W - 1);
      const double wx = fx - double(x0);
      for (std::int64_t c = 0; c < C; ++c) {
        const float* p = src + c * H * W;
        const double top = p[y0 * W + x0] * (1 - wx) + p[y0 * W + x1] * wx;
        const double bottom = p[y1 * W + x0] * (1 - wx) + p[y1 * W + x1] * wx;
        dst[(c * height + y) * width + x] = static_cast<float>(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return out;
}

namespace {
// Interleaved 8-bit pixels (HWC) of a [C, H, W] image in [0, 1].
std::vector<unsigned char> to_bytes(const Tensor& image_in, int& C, int& H, int& W) {
  STRATA_CHECK(image_in.dim() == 3 && (image_in.size(0) == 1 || image_in.size(0) == 3),
               "png: expected an image [1 or 3, H, W] but got ", shape_str(image_in.shape()));
  const Tensor image = image_in.to(DType::f32).contiguous();
  C = static_cast<int>(image.size(0)), H = static_cast<int>(image.size(1)), W = static_cast<int>(image.size(2));
  std::vector<unsigned char> pixels(static_cast<std::size_t>(C) * H * W);
  const float* p = image.data<float>();
  for (int c = 0; c < C; ++c)
    for (int i = 0; i < H * W; ++i)
      pixels[static_cast<std::size_t>(i) * C + c] =
          static_cast<unsigned char>(std::lround(std::clamp(p[c * H * W + i], 0.0f, 1.0f) * 255.0f));
  return pixels;
}
}  // namespace

std::vector<unsigned char> encode_png(const Tensor& image) {
  int C, H, W;
  const auto pixels = to_bytes(image, C, H, W);
  std::vector<unsigned char> out;
  stbi_write_png_to_func(
      [](void* context, void* data, int size) {
        auto* bytes = static_cast<std::vector<unsigned char>*>(context);
        bytes->insert(bytes->end(), static_cast<unsigned char*>(data), static_cast<unsigned char*>(data) + size);
      },
      &out, W, H, C, pixels.data(), W * C);
  STRATA_CHECK(!out.empty(), "encode_png: the encoder failed");
  return out;
}

void write_png(const std::string& path, const Tensor& image) {
  const auto png = encode_png(image);
  io::write_file_atomically(path, [&](const io::ByteSink& write) { write(png.data(), png.size()); });
}

}  // namespace strata::data
