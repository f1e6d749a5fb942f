#include "small_cnn.h"

#include <cmath>

namespace strata::cli {
namespace {
// Glorot uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)).
Variable glorot(const Shape& shape, std::int64_t fan_in, std::int64_t fan_out, Generator& gen) {
  const double limit = std::sqrt(6.0 / double(fan_in + fan_out));
  return Variable(Tensor::uniform(shape, -limit, limit, DType::f32, &gen), true);
}
Variable zeros(std::int64_t n) { return Variable(Tensor::zeros({n}), true); }
}  // namespace

SmallCnn::SmallCnn(std::int64_t in_channels, std::int64_t image_size, std::int64_t classes, Generator& gen) {
  const std::int64_t flat = 64 * (image_size / 4) * (image_size / 4);
  conv1_w_ = glorot({32, in_channels, 3, 3}, in_channels * 9, 32 * 9, gen);
  conv1_b_ = zeros(32);
  conv2_w_ = glorot({64, 32, 3, 3}, 32 * 9, 64 * 9, gen);
  conv2_b_ = zeros(64);
  dense1_w_ = glorot({flat, 128}, flat, 128, gen);
  dense1_b_ = zeros(128);
  dense2_w_ = glorot({128, classes}, 128, classes, gen);
  dense2_b_ = zeros(classes);
}

Variable SmallCnn::forward(const Variable& images, bool training, Generator& gen) const {
  const auto same = ops::Conv2dOptions().padding("same");
  Variable h = ops::max_pool2d(ops::relu(ops::conv2d(images, conv1_w_, conv1_b_, same)), ops::Pool2dOptions(2));
  h = ops::max_pool2d(ops::relu(ops::conv2d(h, conv2_w_, conv2_b_, same)), ops::Pool2dOptions(2));
  h = ops::relu(ops::linear(ops::flatten(h), dense1_w_, dense1_b_));
  h = ops::dropout(h, 0.5, training, &gen);
  return ops::linear(h, dense2_w_, dense2_b_);
}

std::vector<Variable> SmallCnn::parameters() const {
  return {conv1_w_, conv1_b_, conv2_w_, conv2_b_, dense1_w_, dense1_b_, dense2_w_, dense2_b_};
}

std::int64_t SmallCnn::parameter_count() const {
  std::int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

}  // namespace strata::cli
