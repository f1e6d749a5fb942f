// Element-wise arithmetic and reductions with broadcasting-aware gradients.
#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::ops {
namespace {
// Sends a gradient to input i, summed back over any axes that were broadcast.
void send(std::vector<Variable>& inputs, std::size_t i, const Tensor& grad) {
  if (inputs[i].requires_grad()) inputs[i].accumulate_grad(sum_to(grad, inputs[i].shape()));
}
}  // namespace

Variable add(const Variable& a, const Variable& b) {
  return Variable(strata::add(a.value(), b.value()), {a, b}, [](std::vector<Variable>& in, const Tensor& g) {
    send(in, 0, g);
    send(in, 1, g);
  });
}

Variable sub(const Variable& a, const Variable& b) {
  return Variable(strata::sub(a.value(), b.value()), {a, b}, [](std::vector<Variable>& in, const Tensor& g) {
    send(in, 0, g);
    if (in[1].requires_grad()) send(in, 1, strata::neg(g));
  });
}

Variable mul(const Variable& a, const Variable& b) {
  const Tensor av = a.value(), bv = b.value();
  return Variable(strata::mul(av, bv), {a, b}, [av, bv](std::vector<Variable>& in, const Tensor& g) {
    if (in[0].requires_grad()) send(in, 0, strata::mul(g, bv));
    if (in[1].requires_grad()) send(in, 1, strata::mul(g, av));
  });
}

Variable div(const Variable& a, const Variable& b) {
  const Tensor av = a.value(), bv = b.value();
  return Variable(strata::div(av, bv), {a, b}, [av, bv](std::vector<Variable>& in, const Tensor& g) {
    if (in[0].requires_grad()) send(in, 0, strata::div(g, bv));
    if (in[1].requires_grad()) send(in, 1, strata::neg(strata::div(strata::mul(g, av), strata::square(bv))));
  });
}

Variable add_scalar(const Variable& a, double b) {
  return Variable(strata::add(a.value(), b), {a}, [](std::vector<Variable>& in, const Tensor& g) { send(in, 0, g); });
}

Variable mul_scalar(const Variable& a, double b) {
  return Variable(strata::mul(a.value(), b), {a},
                  [b](std::vector<Variable>& in, const Tensor& g) { send(in, 0, strata::mul(g, b)); });
}

Variable neg(const Variable& a) { return mul_scalar(a, -1.0); }

Variable exp(const Variable& a) {
  const Tensor y = strata::exp(a.value());
  return Variable(y, {a}, [y](std::vector<Variable>& in, const Tensor& g) { send(in, 0, strata::mul(g, y)); });
}

Variable log(const Variable& a) {
  const Tensor x = a.value();
  return Variable(strata::log(x), {a}, [x](std::vector<Variable>& in, const Tensor& g) { send(in, 0, strata::div(g, x)); });
}

Variable pow(const Variable& a, double e) {
  const Tensor x = a.value();
  return Variable(strata::pow(x, e), {a}, [x, e](std::vector<Variable>& in, const Tensor& g) {
    send(in, 0, strata::mul(g, strata::mul(strata::pow(x, e - 1), e)));
  });
}

namespace {
// Shape of a reduction's result with the reduced axes kept as 1, for broadcasting back.
Shape kept_shape(const Shape& shape, const std::vector<std::int64_t>& axes) {
  Shape kept = shape;
  if (axes.empty()) std::fill(kept.begin(), kept.end(), 1);
  for (auto ax : axes) kept[normalize_axis(ax, static_cast<std::int64_t>(shape.size()), "sum")] = 1;
  return kept;
}
}  // namespace

Variable sum(const Variable& a, const std::vector<std::int64_t>& axes, bool keepdim) {
  const Shape in_shape = a.shape(), kept = kept_shape(in_shape, axes);
  return Variable(strata::sum(a.value(), axes, keepdim), {a}, [in_shape, kept](std::vector<Variable>& in, const Tensor& g) {
    in[0].accumulate_grad(g.reshape(kept).expand(in_shape).contiguous());
  });
}

Variable mean(const Variable& a, const std::vector<std::int64_t>& axes, bool keepdim) {
  const std::int64_t count = a.numel() / std::max<std::int64_t>(shape_numel(kept_shape(a.shape(), axes)), 1);
  return mul_scalar(sum(a, axes, keepdim), 1.0 / static_cast<double>(count));
}

}  // namespace strata::ops

namespace strata {
Variable operator+(const Variable& a, const Variable& b) { return ops::add(a, b); }
Variable operator-(const Variable& a, const Variable& b) { return ops::sub(a, b); }
Variable operator*(const Variable& a, const Variable& b) { return ops::mul(a, b); }
Variable operator/(const Variable& a, const Variable& b) { return ops::div(a, b); }
Variable operator-(const Variable& a) { return ops::neg(a); }
}  // namespace strata
