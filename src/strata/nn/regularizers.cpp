#include "strata/nn/regularizers.h"

#include <cmath>

#include "strata/tensor/math.h"

namespace strata::nn {

Variable Regularizer::penalty(const Variable& w) const {
  const Tensor x = w.value();
  const double value = l1 * sum(abs(x)).item() + l2 * sum(square(x)).item();
  const double a = l1, b = l2;
  return Variable(Tensor::scalar(value, x.dtype()), {w}, [x, a, b](std::vector<Variable>& in, const Tensor& g) {
    in[0].accumulate_grad(mul(add(mul(sign(x), a), mul(x, 2 * b)), g));
  });
}

nlohmann::json Regularizer::config() const {
  if (!active()) return nullptr;
  return {{"l1", l1}, {"l2", l2}};
}

Regularizer Regularizer::from_config(const nlohmann::json& config) {
  if (config.is_null()) return {};
  return {config.value("l1", 0.0), config.value("l2", 0.0)};
}

void MaxNorm::apply(Tensor& w, const std::vector<std::int64_t>& axes) const {
  if (!active()) return;
  const Tensor norms = sqrt(sum(square(w), axes, true));
  const Tensor scale = div(minimum(norms, Tensor::scalar(max_value)), add(norms, 1e-7));
  w.copy_(mul(w, scale));
}

}  // namespace strata::nn
