// Inverted dropout with a mask drawn from the seeded generator.
#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::ops {

Variable dropout(const Variable& x, double rate, bool training, Generator* generator) {
  return dropout(x, rate, training, x.shape(), generator);
}

Variable dropout(const Variable& x, double rate, bool training, const Shape& noise_shape, Generator* generator) {
  STRATA_CHECK(rate >= 0.0 && rate < 1.0, "dropout: rate must be in [0, 1), got ", rate);
  STRATA_CHECK(noise_shape.size() == x.shape().size(), "dropout: noise shape ", shape_str(noise_shape),
               " must have the rank of the input ", shape_str(x.shape()));
  for (std::size_t i = 0; i < noise_shape.size(); ++i)
    STRATA_CHECK(noise_shape[i] == x.shape()[i] || noise_shape[i] == 1, "dropout: noise shape ", shape_str(noise_shape),
                 " must equal the input's ", shape_str(x.shape()), " or be 1 on each axis");
  if (!training || rate == 0.0) return x;
  Generator& gen = generator ? *generator : default_generator();
  Tensor mask = Tensor::empty(noise_shape, x.dtype());
  const double keep_scale = 1.0 / (1.0 - rate);
  dispatch_floating(x.dtype(), "dropout", [&]<class T>() {
    T* m = mask.data<T>();
    for (std::int64_t i = 0, n = mask.numel(); i < n; ++i) m[i] = gen.uniform() >= rate ? T(keep_scale) : T(0);
  });
  return Variable(strata::mul(x.value(), mask), {x},
                  [mask](std::vector<Variable>& in, const Tensor& g) { in[0].accumulate_grad(strata::mul(g, mask)); });
}

}  // namespace strata::ops
