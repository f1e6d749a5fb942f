// Reference softmax / log-softmax along one axis, max-subtracted so logits of +-1000 are fine.
#include <cmath>

#include "strata/kernels/backend.h"

namespace strata::kernels::reference {
namespace {
// x viewed as [outer, A, inner] with the softmax axis in the middle.
struct AxisDims {
  std::int64_t outer = 1, A = 1, inner = 1;
};
AxisDims axis_dims(const Shape& s, std::int64_t axis) {
  AxisDims d;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(s.size()); ++i)
    (i < axis ? d.outer : i == axis ? d.A : d.inner) *= s[i];
  return d;
}
}  // namespace

Tensor softmax_forward(const Tensor& x_in, std::int64_t axis, bool log) {
  axis = normalize_axis(axis, x_in.dim(), "softmax");
  const Tensor x = x_in.contiguous();
  const AxisDims d = axis_dims(x.shape(), axis);
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), "softmax", [&]<class T>() {
    const T* px = x.data<T>();
    T* py = y.data<T>();
#pragma omp parallel for collapse(2)
    for (std::int64_t o = 0; o < d.outer; ++o)
      for (std::int64_t i = 0; i < d.inner; ++i) {
        const std::int64_t base = o * d.A * d.inner + i;
        double m = -INFINITY;
        for (std::int64_t a = 0; a < d.A; ++a) m = std::fmax(m, px[base + a * d.inner]);
        double s = 0;
        for (std::int64_t a = 0; a < d.A; ++a) s += std::exp(px[base + a * d.inner] - m);
        for (std::int64_t a = 0; a < d.A; ++a) {
          const double shifted = px[base + a * d.inner] - m;
          py[base + a * d.inner] = static_cast<T>(log ? shifted - std::log(s) : std::exp(shifted) / s);
        }
      }
  });
  return y;
}

Tensor softmax_backward(const Tensor& gy_in, const Tensor& y_in, std::int64_t axis, bool log) {
  axis = normalize_axis(axis, y_in.dim(), "softmax");
  const Tensor y = y_in.contiguous(), gy = gy_in.contiguous();
  const AxisDims d = axis_dims(y.shape(), axis);
  Tensor gx = Tensor::empty(y.shape(), y.dtype());
  dispatch_floating(y.dtype(), "softmax", [&]<class T>() {
    const T* py = y.data<T>();
    const T* pgy = gy.data<T>();
    T* pgx = gx.data<T>();
#pragma omp parallel for collapse(2)
    for (std::int64_t o = 0; o < d.outer; ++o)
      for (std::int64_t i = 0; i < d.inner; ++i) {
        const std::int64_t base = o * d.A * d.inner + i;
        double dot = 0;  // softmax: sum(gy*y); log_softmax: sum(gy)
        for (std::int64_t a = 0; a < d.A; ++a)
          dot += log ? double(pgy[base + a * d.inner]) : double(pgy[base + a * d.inner]) * py[base + a * d.inner];
        for (std::int64_t a = 0; a < d.A; ++a) {
          const std::int64_t k = base + a * d.inner;
          pgx[k] = static_cast<T>(log ? pgy[k] - std::exp(double(py[k])) * dot : py[k] * (pgy[k] - dot));
        }
      }
  });
  return gx;
}

}  // namespace strata::kernels::reference
