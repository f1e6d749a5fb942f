#include "strata/data/augment.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <sstream>

namespace strata::data {
namespace {

void check_image(const Tensor& image, const char* op) {
  STRATA_CHECK(image.dim() == 3 && image.dtype() == DType::f32, op, ": expected an f32 image [C,H,W] but got ",
               shape_str(image.shape()), " ", dtype_name(image.dtype()));
}

// Maps an integer coordinate outside [0, n) by the fill mode; -1 means "use the constant".
std::int64_t fill_index(std::int64_t i, std::int64_t n, FillMode mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case FillMode::constant: return -1;
    case FillMode::nearest: return std::clamp<std::int64_t>(i, 0, n - 1);
    case FillMode::reflect: {  // d c b a | a b c d | d c b a
      const std::int64_t period = 2 * n;
      std::int64_t m = ((i % period) + period) % period;
      return m < n ? m : period - 1 - m;
    }
  }
  return -1;
}

float clamp01(float v) { return std::min(1.0f, std::max(0.0f, v)); }

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

const char* fill_name(FillMode f) {
  return f == FillMode::nearest ? "nearest" : f == FillMode::reflect ? "reflect" : "constant";
}

// Applies fn(float& value) to every pixel of every channel and clips to [0, 1].
template <class Fn>
Tensor map_pixels(const Tensor& image, Fn&& fn) {
  Tensor out = image.clone();
  float* p = out.data<float>();
  for (std::int64_t i = 0, n = out.numel(); i < n; ++i) p[i] = clamp01(fn(p[i]));
  return out;
}

class RandomFlip final : public Transform {
 public:
  RandomFlip(bool h, bool v) : h_(h), v_(v) {}
  Tensor apply(const Tensor& image, Generator& gen) const override {
    Tensor out = image;
    if (h_ && gen.uniform() < 0.5) out = flip(out, true);
    if (v_ && gen.uniform() < 0.5) out = flip(out, false);
    return out;
  }
  std::string spec() const override { return h_ && v_ ? "flip,vflip" : h_ ? "flip" : "vflip"; }

 private:
  bool h_, v_;
};

class RandomAffine final : public Transform {
 public:
  RandomAffine(double degrees, double translate, double zoom, FillMode fill)
      : degrees_(degrees), translate_(translate), zoom_(zoom), fill_(fill) {}
  Tensor apply(const Tensor& image, Generator& gen) const override {
    AffineParams p;
    p.angle_degrees = degrees_ > 0 ? gen.uniform(-degrees_, degrees_) : 0.0;
    p.shift_x = translate_ > 0 ? gen.uniform(-translate_, translate_) * double(image.size(2)) : 0.0;
    p.shift_y = translate_ > 0 ? gen.uniform(-translate_, translate_) * double(image.size(1)) : 0.0;
    p.zoom = zoom_ > 0 ? gen.uniform(1 - zoom_, 1 + zoom_) : 1.0;
    return affine(image, p, fill_);
  }
  std::string spec() const override {
    std::string s;
    if (degrees_ > 0) s += ",rotate=" + number(degrees_);
    if (translate_ > 0) s += ",translate=" + number(translate_);
    if (zoom_ > 0) s += ",zoom=" + number(zoom_);
    return s.substr(1) + ",fill=" + fill_name(fill_);
  }

 private:
  double degrees_, translate_, zoom_;
  FillMode fill_;
};

class RandomCrop final : public Transform {
 public:
  RandomCrop(std::int64_t padding, FillMode fill) : padding_(padding), fill_(fill) {}
  Tensor apply(const Tensor& image, Generator& gen) const override {
    // Cropping a padded image at offset (dy, dx) is a shift by (padding - dy, padding - dx).
    AffineParams p;
    p.shift_x = double(padding_) - double(gen.below(2 * padding_ + 1));
    p.shift_y = double(padding_) - double(gen.below(2 * padding_ + 1));
    return affine(image, p, fill_);
  }
  std::string spec() const override { return "crop=" + std::to_string(padding_); }

 private:
  std::int64_t padding_;
  FillMode fill_;
};

class Brightness final : public Transform {
 public:
  explicit Brightness(double d) : d_(d) {}
  Tensor apply(const Tensor& image, Generator& gen) const override {
    const float delta = float(gen.uniform(-d_, d_));
    return map_pixels(image, [delta](float v) { return v + delta; });
  }
  std::string spec() const override { return "brightness=" + number(d_); }

 private:
  double d_;
};

class Contrast final : public Transform {
 public:
  explicit Contrast(double f) : f_(f) {}
  Tensor apply(const Tensor& image, Generator& gen) const override {
    const float factor = float(gen.uniform(1 - f_, 1 + f_));
    Tensor out = image.clone();
    const std::int64_t plane = image.size(1) * image.size(2);
    float* p = out.data<float>();
    for (std::int64_t c = 0; c < image.size(0); ++c) {
      double mean = 0;
      for (std::int64_t i = 0; i < plane; ++i) mean += p[c * plane + i];
      mean /= double(plane);
      for (std::int64_t i = 0; i < plane; ++i)
        p[c * plane + i] = clamp01(float(mean + (p[c * plane + i] - mean) * factor));
    }
    return out;
  }
  std::string spec() const override { return "contrast=" + number(f_); }

 private:
  double f_;
};

// RGB helpers: ITU-R 601 luma and the YIQ hue rotation.
class Saturation final : public Transform {
 public:
  explicit Saturation(double f) : f_(f) {}
  Tensor apply(const Tensor& image, Generator& gen) const override {
    if (image.size(0) != 3) return image;  // gray images have no saturation
    const float factor = float(gen.uniform(1 - f_, 1 + f_));
    Tensor out = image.clone();
    const std::int64_t n = image.size(1) * image.size(2);
    float* r = out.data<float>();
    float *g = r + n, *b = r + 2 * n;
    for (std::int64_t i = 0; i < n; ++i) {
      const float gray = 0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i];
      r[i] = clamp01(gray + (r[i] - gray) * factor);
      g[i] = clamp01(gray + (g[i] - gray) * factor);
      b[i] = clamp01(gray + (b[i] - gray) * factor);
    }
    return out;
  }
  std::string spec() const override { return "saturation=" + number(f_); }

 private:
  double f_;
};

class Hue final : public Transform {
 public:
  explicit Hue(double d) : d_(d) {}
  Tensor apply(const Tensor& image, Generator& gen) const override {
    if (image.size(0) != 3) return image;
    const double theta = gen.uniform(-d_, d_) * 2 * std::numbers::pi;
    const float cs = float(std::cos(theta)), sn = float(std::sin(theta));
    Tensor out = image.clone();
    const std::int64_t n = image.size(1) * image.size(2);
    float* r = out.data<float>();
    float *g = r + n, *b = r + 2 * n;
    for (std::int64_t i = 0; i < n; ++i) {
      const float y = 0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i];
      const float ii = 0.596f * r[i] - 0.274f * g[i] - 0.322f * b[i];
      const float q = 0.211f * r[i] - 0.523f * g[i] + 0.312f * b[i];
      const float i2 = ii * cs - q * sn, q2 = ii * sn + q * cs;
      r[i] = clamp01(y + 0.956f * i2 + 0.621f * q2);
      g[i] = clamp01(y - 0.272f * i2 - 0.647f * q2);
      b[i] = clamp01(y - 1.106f * i2 + 1.703f * q2);
    }
    return out;
  }
  std::string spec() const override { return "hue=" + number(d_); }

 private:
  double d_;
};

class Noise final : public Transform {
 public:
  explicit Noise(double s) : s_(s) {}
  Tensor apply(const Tensor& image, Generator& gen) const override {
    Tensor out = image.clone();
    float* p = out.data<float>();
    for (std::int64_t i = 0, n = out.numel(); i < n; ++i) p[i] += float(gen.normal(0.0, s_));
    return out;
  }
  std::string spec() const override { return "noise=" + number(s_); }

 private:
  double s_;
};

class Erasing final : public Transform {
 public:
  Erasing(double p, double value) : p_(p), value_(value) {}
  Tensor apply(const Tensor& image, Generator& gen) const override {
    if (gen.uniform() >= p_) return image;
    const std::int64_t H = image.size(1), W = image.size(2);
    const double area = gen.uniform(0.02, 0.2) * double(H * W);
    const double aspect = std::exp(gen.uniform(std::log(0.3), std::log(3.3)));
    const std::int64_t h = std::clamp<std::int64_t>(std::llround(std::sqrt(area * aspect)), 1, H);
    const std::int64_t w = std::clamp<std::int64_t>(std::llround(std::sqrt(area / aspect)), 1, W);
    const std::int64_t y = static_cast<std::int64_t>(gen.below(H - h + 1)), x = static_cast<std::int64_t>(gen.below(W - w + 1));
    Tensor out = image.clone();
    out.slice(1, y, y + h).slice(2, x, x + w).fill_(value_);
    return out;
  }
  std::string spec() const override { return "erase=" + number(p_); }

 private:
  double p_, value_;
};

}  // namespace

Tensor affine(const Tensor& image_in, const AffineParams& p, FillMode fill, double fill_value) {
  check_image(image_in, "affine");
  STRATA_CHECK(p.zoom > 0, "affine: zoom must be positive, got ", p.zoom);
  const Tensor image = image_in.contiguous();
  const std::int64_t C = image.size(0), H = image.size(1), W = image.size(2);
  Tensor out = Tensor::empty(image.shape());
  const float* src = image.data<float>();
  float* dst = out.data<float>();
  const double theta = p.angle_degrees * std::numbers::pi / 180.0;
  const double cs = std::cos(theta), sn = std::sin(theta);
  const double cx = (W - 1) / 2.0, cy = (H - 1) / 2.0;
  for (std::int64_t y = 0; y < H; ++y)
    for (std::int64_t x = 0; x < W; ++x) {
      // Inverse map: undo the shift and zoom, then rotate back (y grows downwards, so a
      // counter-clockwise turn on screen is a clockwise one in (x, y) coordinates).
      const double u = (x - cx - p.shift_x) / p.zoom, v = (y - cy - p.shift_y) / p.zoom;
      const double sx = cs * u - sn * v + cx, sy = sn * u + cs * v + cy;
      const auto x0 = static_cast<std::int64_t>(std::floor(sx)), y0 = static_cast<std::int64_t>(std::floor(sy));
      const double fx = sx - double(x0), fy = sy - double(y0);
      const std::int64_t xs[2] = {fill_index(x0, W, fill), fill_index(x0 + 1, W, fill)};
      const std::int64_t ys[2] = {fill_index(y0, H, fill), fill_index(y0 + 1, H, fill)};
      const double wx[2] = {1 - fx, fx}, wy[2] = {1 - fy, fy};
      for (std::int64_t c = 0; c < C; ++c) {
        double acc = 0;
        for (int a = 0; a < 2; ++a)
          for (int b = 0; b < 2; ++b) {
            const double w = wy[a] * wx[b];
            if (w == 0) continue;
            acc += w * ((ys[a] < 0 || xs[b] < 0) ? fill_value : src[(c * H + ys[a]) * W + xs[b]]);
          }
        dst[(c * H + y) * W + x] = static_cast<float>(acc);
      }
    }
  return out;
}

Tensor flip(const Tensor& image_in, bool horizontal) {
  check_image(image_in, "flip");
  const Tensor image = image_in.contiguous();
  const std::int64_t C = image.size(0), H = image.size(1), W = image.size(2);
  Tensor out = Tensor::empty(image.shape());
  const float* s = image.data<float>();
  float* d = out.data<float>();
  for (std::int64_t c = 0; c < C; ++c)
    for (std::int64_t y = 0; y < H; ++y)
      for (std::int64_t x = 0; x < W; ++x)
        d[(c * H + y) * W + x] = horizontal ? s[(c * H + y) * W + (W - 1 - x)] : s[(c * H + (H - 1 - y)) * W + x];
  return out;
}

TransformPtr random_flip(bool h, bool v) { return std::make_shared<RandomFlip>(h, v); }
TransformPtr random_affine(double degrees, double translate, double zoom, FillMode fill) {
  STRATA_CHECK(degrees >= 0 && translate >= 0 && translate < 1 && zoom >= 0 && zoom < 1,
               "augmentation: rotate must be >= 0, translate and zoom in [0, 1)");
  return std::make_shared<RandomAffine>(degrees, translate, zoom, fill);
}
TransformPtr random_crop(std::int64_t padding, FillMode fill) {
  STRATA_CHECK(padding > 0, "augmentation: crop padding must be positive, got ", padding);
  return std::make_shared<RandomCrop>(padding, fill);
}
TransformPtr random_brightness(double d) { return std::make_shared<Brightness>(d); }
TransformPtr random_contrast(double f) { return std::make_shared<Contrast>(f); }
TransformPtr random_saturation(double f) { return std::make_shared<Saturation>(f); }
TransformPtr random_hue(double d) { return std::make_shared<Hue>(d); }
TransformPtr gaussian_noise(double s) { return std::make_shared<Noise>(s); }
TransformPtr random_erasing(double p, double value) {
  STRATA_CHECK(p >= 0 && p <= 1, "augmentation: erase probability must be in [0, 1], got ", p);
  return std::make_shared<Erasing>(p, value);
}

Augmentation::Augmentation(std::vector<TransformPtr> transforms, double probability, int until_epoch)
    : transforms_(std::move(transforms)), probability_(probability), until_epoch_(until_epoch) {
  STRATA_CHECK(probability >= 0 && probability <= 1, "augmentation: p must be in [0, 1], got ", probability);
  STRATA_CHECK(until_epoch >= 0, "augmentation: until must be a non-negative epoch count, got ", until_epoch);
}

Tensor Augmentation::apply(const Tensor& image, Generator& gen) const {
  if (probability_ < 1 && gen.uniform() >= probability_) return image;  // no draw at p = 1: same stream as before
  Tensor out = image;
  for (const auto& t : transforms_) out = t->apply(out, gen);
  return out;
}

std::string Augmentation::spec() const {
  std::string s;
  for (const auto& t : transforms_) s += (s.empty() ? "" : ",") + t->spec();
  if (probability_ < 1) s += ",p=" + number(probability_);
  if (until_epoch_ > 0) s += ",until=" + std::to_string(until_epoch_);
  return s;
}

Augmentation parse_augmentation(const std::string& spec) {
  std::map<std::string, double> values;
  std::vector<std::string> order;
  FillMode fill = FillMode::constant;
  double probability = 1.0;
  int until_epoch = 0;
  std::stringstream in(spec);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(std::remove_if(item.begin(), item.end(), ::isspace), item.end());
    if (item.empty()) continue;
    const auto eq = item.find('=');
    const std::string key = item.substr(0, eq), value = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (key == "fill") {
      STRATA_CHECK(value == "constant" || value == "nearest" || value == "reflect",
                   "augmentation: fill must be constant, nearest or reflect, got \"", value, "\"");
      fill = value == "nearest" ? FillMode::nearest : value == "reflect" ? FillMode::reflect : FillMode::constant;
      continue;
    }
    if (key == "p") {
      char* end = nullptr;
      probability = std::strtod(value.c_str(), &end);
      STRATA_CHECK(!value.empty() && end == value.c_str() + value.size() && probability >= 0 && probability <= 1,
                   "augmentation: p needs a probability in [0, 1], got \"", value, "\"");
      continue;
    }
    if (key == "until") {
      char* end = nullptr;
      const long v = std::strtol(value.c_str(), &end, 10);
      STRATA_CHECK(!value.empty() && end == value.c_str() + value.size() && v >= 1 && v <= 1000000,
                   "augmentation: until needs a number of epochs from 1 to 1000000, got \"", value, "\"");
      until_epoch = static_cast<int>(v);
      continue;
    }
    // Each option's default and the largest value that still means something (degrees, a
    // fraction of the image, pixels, a probability, ...): beyond it a typo, not a setting.
    struct OptionRange {
      double default_value, max;
      bool integer;
    };
    static const std::map<std::string, OptionRange> options = {
        {"flip", {1, 1, true}},          {"vflip", {1, 1, true}},          {"rotate", {15, 360, false}},
        {"translate", {0.1, 1, false}},  {"zoom", {0.1, 0.9, false}},      {"crop", {4, 4096, true}},
        {"brightness", {0.2, 1, false}}, {"contrast", {0.2, 10, false}},   {"saturation", {0.2, 10, false}},
        {"hue", {0.05, 0.5, false}},     {"noise", {0.05, 10, false}},     {"erase", {0.5, 1, false}}};
    auto d = options.find(key);
    if (d == options.end()) {
      std::string known;
      for (const auto& [k, o] : options) known += k + ", ";
      throw Error(detail::concat("augmentation: unknown option \"", key, "\"; expected one of ", known, "fill, p, until"));
    }
    const OptionRange& range = d->second;
    double v = range.default_value;
    if (!value.empty()) {
      char* end = nullptr;
      v = std::strtod(value.c_str(), &end);
      STRATA_CHECK(end == value.c_str() + value.size() && v >= 0 && v <= range.max && (!range.integer || v == std::floor(v)),
                   "augmentation: option ", key, " needs a non-negative number (", range.integer ? "an integer, " : "",
                   "at most ", range.max, "), got \"", value, "\"");
    }
    if (!values.count(key)) order.push_back(key);
    values[key] = v;
  }
  std::vector<TransformPtr> transforms;
  bool affine_added = false;
  for (const auto& key : order) {
    const double v = values[key];
    if (key == "flip" || key == "vflip") {
      if (key == "flip" || !values.count("flip")) transforms.push_back(random_flip(values.count("flip"), values.count("vflip")));
    } else if (key == "rotate" || key == "translate" || key == "zoom") {
      if (!affine_added)
        transforms.push_back(random_affine(values.count("rotate") ? values["rotate"] : 0.0,
                                           values.count("translate") ? values["translate"] : 0.0,
                                           values.count("zoom") ? values["zoom"] : 0.0, fill));
      affine_added = true;
    } else if (key == "crop") {
      transforms.push_back(random_crop(static_cast<std::int64_t>(v), fill));
    } else if (key == "brightness") {
      transforms.push_back(random_brightness(v));
    } else if (key == "contrast") {
      transforms.push_back(random_contrast(v));
    } else if (key == "saturation") {
      transforms.push_back(random_saturation(v));
    } else if (key == "hue") {
      transforms.push_back(random_hue(v));
    } else if (key == "noise") {
      transforms.push_back(gaussian_noise(v));
    } else if (key == "erase") {
      transforms.push_back(random_erasing(v));
    }
  }
  return Augmentation(std::move(transforms), probability, until_epoch);
}

}  // namespace strata::data
