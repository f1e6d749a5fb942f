// Weight initializers with Keras' names and formulas. Fans follow Keras for our layouts:
// Dense kernel [in, out]; convolution kernel [out, in/groups, kh, kw] (receptive field kh*kw).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "strata/tensor/random.h"
#include "strata/tensor/tensor.h"

namespace strata::nn {

struct Fans {
  double in = 1, out = 1;
};
// Fans of a weight shape: rank 2 [in,out]; rank 4 [out,in,kh,kw]; rank 1 uses its length for both.
Fans fans_of(const Shape& shape);

class Initializer {
 public:
  virtual ~Initializer() = default;
  virtual Tensor make(const Shape& shape, Generator& gen) const = 0;
  virtual nlohmann::json config() const = 0;  // {"class_name": ..., "config": {...}}
};
using InitializerPtr = std::shared_ptr<const Initializer>;

// "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
// "zeros", "ones", or a JSON config; throws naming the unknown name.
InitializerPtr initializer(const std::string& name);
InitializerPtr initializer_from_config(const nlohmann::json& config);
InitializerPtr constant_initializer(double value);
InitializerPtr random_normal_initializer(double mean, double stddev);
InitializerPtr random_uniform_initializer(double low, double high);

}  // namespace strata::nn
