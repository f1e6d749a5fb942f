#include "strata/tensor/random.h"

#include "strata/tensor/tensor.h"

namespace strata {

Generator& default_generator() {
  // One per thread, so searches that train several models at once on different threads do
  // not draw from (or reseed) each other's generator.
  thread_local Generator generator(42);
  return generator;
}

void manual_seed(std::uint64_t seed) { default_generator().seed(seed); }

namespace {
template <class Draw>
Tensor random_fill(const Shape& shape, DType dtype, Draw&& draw) {
  Tensor t = Tensor::empty(shape, dtype);
  dispatch_floating(dtype, "random fill", [&]<class T>() {
    T* p = t.data<T>();
    for (std::int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = static_cast<T>(draw());
  });
  return t;
}
}  // namespace

Tensor Tensor::uniform(const Shape& shape, double low, double high, DType dtype, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  return random_fill(shape, dtype, [&] { return g.uniform(low, high); });
}

Tensor Tensor::normal(const Shape& shape, double mean, double stddev, DType dtype, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  return random_fill(shape, dtype, [&] { return g.normal(mean, stddev); });
}

}  // namespace strata
