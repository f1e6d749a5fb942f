// Tensor arithmetic (not differentiable; autograd/ops build on it): broadcasting element-wise
// binary ops, unary maps, reductions over axes, and comparisons used by tests.
#pragma once

#include <vector>

#include "strata/tensor/tensor.h"

namespace strata {

// Broadcasting binary ops; both operands must have the same dtype.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);

// With a scalar on the right (in the tensor's dtype).
Tensor add(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor pow(const Tensor& a, double exponent);

Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor sign(const Tensor& a);
Tensor square(const Tensor& a);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator-(const Tensor& a);

// Reductions. Empty `axes` reduces over every axis. Floating sums accumulate in double.
Tensor sum(const Tensor& a, const std::vector<std::int64_t>& axes = {}, bool keepdim = false);
Tensor mean(const Tensor& a, const std::vector<std::int64_t>& axes = {}, bool keepdim = false);
Tensor max(const Tensor& a, const std::vector<std::int64_t>& axes = {}, bool keepdim = false);
Tensor min(const Tensor& a, const std::vector<std::int64_t>& axes = {}, bool keepdim = false);
// Index of the largest element along `axis` (first one on ties), as i64.
Tensor argmax(const Tensor& a, std::int64_t axis, bool keepdim = false);

// Rows `rows` of t along axis 0, in that order, as a new contiguous tensor (batch assembly).
Tensor gather_rows(const Tensor& t, const std::vector<std::int64_t>& rows);
// Joins tensors along `axis` (equal shapes elsewhere, one dtype); throws naming the mismatch.
Tensor concat(const std::vector<Tensor>& parts, std::int64_t axis);
// The tensor with `axis` reversed (a copy).
Tensor flip(const Tensor& t, std::int64_t axis);

// Sums a broadcast gradient back down to `shape` (the inverse of broadcasting).
Tensor sum_to(const Tensor& a, const Shape& shape);

// Comparisons for tests and tools.
double max_abs_diff(const Tensor& a, const Tensor& b);
// Largest |a-b| / max(|b|, floor) over the elements, for relative tolerances.
double max_rel_diff(const Tensor& a, const Tensor& b, double floor = 1e-3);
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);
// True when no element is NaN or infinite (integer tensors always are).
bool all_finite(const Tensor& a);

}  // namespace strata
