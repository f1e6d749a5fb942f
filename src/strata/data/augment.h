// On-the-fly augmentation of images [C, H, W] with values in [0, 1]. Every transform draws its
// randomness from the Generator it is given, so a seeded loader repeats the same batches.
//
//   auto aug = parse_augmentation("flip,rotate=15,translate=0.1,zoom=0.1,brightness=0.1,noise=0.02");
//   aug.apply(image, gen);
//
// Geometric options (rotate, translate, zoom) are combined into one affine warp, sampled once
// with bilinear interpolation and the chosen fill (constant, nearest, reflect).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "strata/tensor/random.h"
#include "strata/tensor/tensor.h"

namespace strata::data {

enum class FillMode { constant, nearest, reflect };

// One affine map about the image centre: output pixel p samples the input at
//   R(-angle) * (p - centre - shift) / zoom + centre.
struct AffineParams {
  double angle_degrees = 0;  // counter-clockwise, as seen with row 0 at the top
  double shift_x = 0, shift_y = 0;  // pixels; positive moves content right / down
  double zoom = 1;                  // > 1 magnifies
};
Tensor affine(const Tensor& image, const AffineParams& params, FillMode fill = FillMode::constant, double fill_value = 0);
Tensor flip(const Tensor& image, bool horizontal);

class Transform {
 public:
  virtual ~Transform() = default;
  virtual Tensor apply(const Tensor& image, Generator& gen) const = 0;
  virtual std::string spec() const = 0;  // the parse_augmentation() text that makes it
};
using TransformPtr = std::shared_ptr<const Transform>;

TransformPtr random_flip(bool horizontal = true, bool vertical = false);
// Rotation uniform in +-degrees, shifts uniform in +-fraction of the size, zoom uniform in [1-z, 1+z].
TransformPtr random_affine(double degrees, double translate, double zoom, FillMode fill = FillMode::constant);
// Pads by `padding` pixels (with the fill) and crops back to the original size at a random offset.
TransformPtr random_crop(std::int64_t padding, FillMode fill = FillMode::constant);
TransformPtr random_brightness(double delta);      // adds U(-delta, delta)
TransformPtr random_contrast(double factor);       // scales deviations from the channel mean by U(1-f, 1+f)
TransformPtr random_saturation(double factor);     // RGB: scales deviations from gray by U(1-f, 1+f)
TransformPtr random_hue(double delta);             // RGB: rotates hue by U(-delta, delta) turns
TransformPtr gaussian_noise(double stddev);        // adds N(0, stddev^2) per pixel (not clipped)
// With probability p, sets a random rectangle covering 2%..20% of the image to `value`.
TransformPtr random_erasing(double probability = 0.5, double value = 0.0);

class Augmentation {
 public:
  Augmentation() = default;
  // Each example goes through the transforms with `probability` and is left as it is otherwise
  // (torchvision's RandomApply): a share of clean examples keeps the model seeing the data as
  // evaluation will show it.
  // `until_epoch` > 0 augments only the first until_epoch epochs; the rest train on clean data
  // (a final stretch on the evaluation distribution, as YOLOX's "no-aug epochs").
  explicit Augmentation(std::vector<TransformPtr> transforms, double probability = 1.0, int until_epoch = 0);
  Tensor apply(const Tensor& image, Generator& gen) const;
  double probability() const { return probability_; }
  // Whether epoch `epoch` (counted from 0, as fit() does) is augmented.
  bool active_in(int epoch) const { return until_epoch_ <= 0 || epoch < until_epoch_; }
  bool empty() const { return transforms_.empty(); }
  std::string spec() const;

 private:
  std::vector<TransformPtr> transforms_;
  double probability_ = 1.0;
  int until_epoch_ = 0;
};

// Comma-separated options: flip (horizontal), vflip, rotate=DEG, translate=FRAC, zoom=FRAC,
// crop=PIXELS, brightness=D, contrast=F, saturation=F, hue=TURNS, noise=STD, erase=P,
// fill=constant|nearest|reflect, p=PROBABILITY (share of examples augmented; default 1),
// until=EPOCHS (augment the first EPOCHS epochs only; default all). Unknown or malformed options throw, naming them.
Augmentation parse_augmentation(const std::string& spec);

}  // namespace strata::data
