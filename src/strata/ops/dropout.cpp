// Inverted dropout with a mask drawn from the seeded generator.
#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::ops {

Variable dropout(const Variable& x, double rate, bool training, Generator* generator) {
  STRATA_CHECK(rate >= 0.0 && rate < 1.0, "dropout: rate must be in [0, 1), got ", rate);
  if (!training || rate == 0.0) return x;
  Generator& gen = generator ? *generator : default_generator();
  Tensor mask = Tensor::empty(x.shape(), x.dtype());
  const double keep_scale = 1.0 / (1.0 - rate);
  dispatch_floating(x.dtype(), "dropout", [&]<class T>() {
    T* m = mask.data<T>();
    for (std::int64_t i = 0, n = mask.numel(); i < n; ++i) m[i] = gen.uniform() >= rate ? T(keep_scale) : T(0);
  });
  return Variable(strata::mul(x.value(), mask), {x},
                  [mask](std::vector<Variable>& in, const Tensor& g) { in[0].accumulate_grad(strata::mul(g, mask)); });
}

}  // namespace strata::ops
