// Finite-difference gradient check in double precision (the second oracle).
//
// For f: inputs -> output, compares the autograd gradient of L = sum(f(x) * R), with R a
// fixed random tensor, against central differences (L(x+h) - L(x-h)) / 2h, element by element.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::testing {

using Fn = std::function<Variable(const std::vector<Variable>&)>;

inline double weighted_sum(const Tensor& out, const Tensor& weights) { return sum(mul(out, weights)).item(); }

inline void expect_gradients_match(const Fn& f, const std::vector<Tensor>& inputs, double step = 1e-6,
                                   double tolerance = 1e-5) {
  std::vector<Variable> vars;
  for (const auto& t : inputs) vars.emplace_back(t.to(DType::f64).clone(), true);
  Variable out = f(vars);
  Generator gen(99);
  const Tensor weights = Tensor::normal(out.shape(), 0, 1, DType::f64, &gen);
  ops::sum(ops::mul(out, Variable(weights))).backward();

  for (std::size_t i = 0; i < vars.size(); ++i) {
    ASSERT_TRUE(vars[i].grad().defined()) << "input " << i << " received no gradient";
    const std::vector<double> analytic = vars[i].grad().to_vector<double>();
    double* x = vars[i].mutable_value().data<double>();
    for (std::int64_t j = 0; j < vars[i].numel(); ++j) {
      const double saved = x[j];
      NoGradGuard no_grad;
      x[j] = saved + step;
      const double plus = weighted_sum(f(vars).value(), weights);
      x[j] = saved - step;
      const double minus = weighted_sum(f(vars).value(), weights);
      x[j] = saved;
      const double numeric = (plus - minus) / (2 * step);
      EXPECT_NEAR(analytic[j], numeric, tolerance * (1.0 + std::fabs(numeric)))
          << "input " << i << ", element " << j << " of shape " << shape_str(vars[i].shape());
    }
  }
}

// Random f64 tensor with a fixed seed per call site.
inline Tensor random_input(const Shape& shape, std::uint64_t seed, double low = -1.0, double high = 1.0) {
  Generator gen(seed);
  return Tensor::uniform(shape, low, high, DType::f64, &gen);
}

}  // namespace strata::testing
