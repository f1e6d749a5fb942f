// Reference activations: each is a pair (value, derivative w.r.t. its input), written in
// the numerically stable form (no exp of a large positive number).
#include <cmath>
#include <numbers>

#include "strata/kernels/backend.h"

namespace strata::kernels::reference {
namespace {

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

double stable_sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

double value(ActivationKind a, double x, double alpha) {
  switch (a) {
    case ActivationKind::relu: return x > 0 ? x : 0.0;
    case ActivationKind::leaky_relu: return x > 0 ? x : alpha * x;
    case ActivationKind::relu6: return x < 0 ? 0.0 : (x > 6 ? 6.0 : x);
    case ActivationKind::elu: return x > 0 ? x : alpha * std::expm1(x);
    case ActivationKind::selu: return kSeluScale * (x > 0 ? x : kSeluAlpha * std::expm1(x));
    case ActivationKind::gelu: return 0.5 * x * (1.0 + std::erf(x / std::numbers::sqrt2));
    case ActivationKind::silu: return x * stable_sigmoid(x);
    case ActivationKind::sigmoid: return stable_sigmoid(x);
    case ActivationKind::tanh: return std::tanh(x);
    case ActivationKind::softplus: return std::log1p(std::exp(-std::fabs(x))) + (x > 0 ? x : 0.0);
    case ActivationKind::hard_sigmoid: return x <= -3 ? 0.0 : (x >= 3 ? 1.0 : x / 6.0 + 0.5);
  }
  return 0;
}

double derivative(ActivationKind a, double x, double alpha) {
  switch (a) {
    case ActivationKind::relu: return x > 0 ? 1.0 : 0.0;
    case ActivationKind::leaky_relu: return x > 0 ? 1.0 : alpha;
    case ActivationKind::relu6: return (x > 0 && x < 6) ? 1.0 : 0.0;
    case ActivationKind::elu: return x > 0 ? 1.0 : alpha * std::exp(x);
    case ActivationKind::selu: return kSeluScale * (x > 0 ? 1.0 : kSeluAlpha * std::exp(x));
    case ActivationKind::gelu:
      return 0.5 * (1.0 + std::erf(x / std::numbers::sqrt2)) +
             x * std::exp(-0.5 * x * x) * std::numbers::inv_sqrtpi / std::numbers::sqrt2;
    case ActivationKind::silu: {
      const double s = stable_sigmoid(x);
      return s * (1.0 + x * (1.0 - s));
    }
    case ActivationKind::sigmoid: {
      const double s = stable_sigmoid(x);
      return s * (1.0 - s);
    }
    case ActivationKind::tanh: {
      const double t = std::tanh(x);
      return 1.0 - t * t;
    }
    case ActivationKind::softplus: return stable_sigmoid(x);
    case ActivationKind::hard_sigmoid: return (x > -3 && x < 3) ? 1.0 / 6.0 : 0.0;
  }
  return 0;
}

}  // namespace

Tensor activation_forward(ActivationKind a, const Tensor& x_in, double alpha) {
  const Tensor x = x_in.contiguous();
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), activation_name(a), [&]<class T>() {
    const T* px = x.data<T>();
    T* py = y.data<T>();
    const std::int64_t n = x.numel();
#pragma omp parallel for if (n > 32768)
    for (std::int64_t i = 0; i < n; ++i) py[i] = static_cast<T>(value(a, px[i], alpha));
  });
  return y;
}

Tensor activation_backward(ActivationKind a, const Tensor& gy_in, const Tensor& x_in, double alpha) {
  STRATA_CHECK(gy_in.shape() == x_in.shape(), activation_name(a), " backward: gradient shape ",
               shape_str(gy_in.shape()), " differs from input shape ", shape_str(x_in.shape()));
  const Tensor x = x_in.contiguous(), gy = gy_in.contiguous();
  Tensor gx = Tensor::empty(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), activation_name(a), [&]<class T>() {
    const T* px = x.data<T>();
    const T* pgy = gy.data<T>();
    T* pgx = gx.data<T>();
    const std::int64_t n = x.numel();
#pragma omp parallel for if (n > 32768)
    for (std::int64_t i = 0; i < n; ++i) pgx[i] = static_cast<T>(pgy[i] * derivative(a, px[i], alpha));
  });
  return gx;
}

}  // namespace strata::kernels::reference
