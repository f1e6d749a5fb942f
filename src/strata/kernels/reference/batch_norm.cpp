// Reference batch normalization over axis 1 of [N,C,...], statistics accumulated in double.
#include <cmath>

#include "strata/kernels/backend.h"

namespace strata::kernels::reference {
namespace {

// x viewed as [N, C, L]: L is the product of the trailing (spatial) axes.
struct BnDims {
  std::int64_t N, C, L;
};
BnDims bn_dims(const Tensor& x) { return {x.size(0), x.size(1), x.numel() / (x.size(0) * x.size(1))}; }

template <class T, class Fn>
void for_channel(const BnDims& d, std::int64_t c, Fn&& fn) {  // fn(flat_index)
  for (std::int64_t n = 0; n < d.N; ++n)
    for (std::int64_t l = 0; l < d.L; ++l) fn((n * d.C + c) * d.L + l);
}

}  // namespace

BatchNormForward batch_norm_training(const Tensor& x_in, const Tensor& gamma, const Tensor& beta, double eps) {
  checks::check_batch_norm(x_in, gamma, "batch_norm");
  const Tensor x = x_in.contiguous();
  const BnDims d = bn_dims(x);
  Tensor mean = Tensor::empty({d.C}, x.dtype()), var = Tensor::empty({d.C}, x.dtype());
  dispatch_floating(x.dtype(), "batch_norm", [&]<class T>() {
    const T* px = x.data<T>();
    for (std::int64_t c = 0; c < d.C; ++c) {
      double s = 0, ss = 0;
      for_channel<T>(d, c, [&](std::int64_t i) { s += px[i]; });
      const double m = s / (d.N * d.L);
      for_channel<T>(d, c, [&](std::int64_t i) { ss += (px[i] - m) * (px[i] - m); });
      mean.data<T>()[c] = static_cast<T>(m);
      var.data<T>()[c] = static_cast<T>(ss / (d.N * d.L));
    }
  });
  return {batch_norm_inference(x, gamma, beta, mean, var, eps), mean, var};
}

Tensor batch_norm_inference(const Tensor& x_in, const Tensor& gamma_in, const Tensor& beta_in, const Tensor& mean_in,
                            const Tensor& var_in, double eps) {
  checks::check_batch_norm(x_in, gamma_in, "batch_norm");
  const Tensor x = x_in.contiguous(), gamma = gamma_in.contiguous(), beta = beta_in.contiguous();
  const Tensor mean = mean_in.contiguous(), var = var_in.contiguous();
  const BnDims d = bn_dims(x);
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), "batch_norm", [&]<class T>() {
    const T* px = x.data<T>();
    T* py = y.data<T>();
    for (std::int64_t c = 0; c < d.C; ++c) {
      const double inv_std = 1.0 / std::sqrt(double(var.data<T>()[c]) + eps);
      const double m = mean.data<T>()[c], gm = gamma.data<T>()[c], bt = beta.data<T>()[c];
      for_channel<T>(d, c, [&](std::int64_t i) { py[i] = static_cast<T>((px[i] - m) * inv_std * gm + bt); });
    }
  });
  return y;
}

BatchNormGrads batch_norm_backward(const Tensor& gy_in, const Tensor& x_in, const Tensor& gamma_in,
                                   const Tensor& mean_in, const Tensor& var_in, double eps, bool batch_stats) {
  checks::check_batch_norm(x_in, gamma_in, "batch_norm backward");
  const Tensor x = x_in.contiguous(), gy = gy_in.contiguous(), gamma = gamma_in.contiguous();
  const Tensor mean = mean_in.contiguous(), var = var_in.contiguous();
  const BnDims d = bn_dims(x);
  const double M = double(d.N * d.L);
  Tensor gx = Tensor::empty(x.shape(), x.dtype());
  Tensor gg = Tensor::empty({d.C}, x.dtype()), gb = Tensor::empty({d.C}, x.dtype());
  dispatch_floating(x.dtype(), "batch_norm", [&]<class T>() {
    const T* px = x.data<T>();
    const T* pgy = gy.data<T>();
    T* pgx = gx.data<T>();
    for (std::int64_t c = 0; c < d.C; ++c) {
      const double inv_std = 1.0 / std::sqrt(double(var.data<T>()[c]) + eps);
      const double m = mean.data<T>()[c], gm = gamma.data<T>()[c];
      double sum_gy = 0, sum_gy_xhat = 0;
      for_channel<T>(d, c, [&](std::int64_t i) {
        sum_gy += pgy[i];
        sum_gy_xhat += pgy[i] * (px[i] - m) * inv_std;
      });
      gg.data<T>()[c] = static_cast<T>(sum_gy_xhat);
      gb.data<T>()[c] = static_cast<T>(sum_gy);
      for_channel<T>(d, c, [&](std::int64_t i) {
        if (batch_stats) {  // mean and variance depend on x too
          const double xhat = (px[i] - m) * inv_std;
          pgx[i] = static_cast<T>(gm * inv_std * (pgy[i] - sum_gy / M - xhat * sum_gy_xhat / M));
        } else {
          pgx[i] = static_cast<T>(gm * inv_std * pgy[i]);
        }
      });
    }
  });
  return {gx, gg, gb};
}

}  // namespace strata::kernels::reference
