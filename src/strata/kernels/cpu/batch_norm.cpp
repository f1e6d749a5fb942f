// Batch normalization on plain layouts; [N,C,...] is viewed as [N,C,L]. Training (batch
// statistics, forward and backward) is hand-written: per channel, OpenMP over channels, the
// contiguous L runs vectorized — oneDNN's plain-layout implementation (ncsp) was 1.6-1.9x
// slower than PyTorch's on ResNet shapes. Inference and the fixed-statistics backward use
// oneDNN, viewing the tensor as [N,C,L,1].
#include <cmath>

#include "strata/kernels/backend.h"
#include "strata/kernels/cpu/onednn_context.h"

namespace strata::kernels::cpu {
namespace {

using dnnl::memory;
using flags = dnnl::normalization_flags;

Shape as_4d(const Tensor& x) { return {x.size(0), x.size(1), x.numel() / (x.size(0) * x.size(1)), 1}; }

dnnl::batch_normalization_forward::primitive_desc forward_pd(const Shape& shape, double eps, bool global_stats) {
  const auto f = flags::use_scale | flags::use_shift | (global_stats ? flags::use_global_stats : flags::none);
  return {dnnl::batch_normalization_forward::desc(dnnl::prop_kind::forward_training, plain_desc(shape),
                                                  static_cast<float>(eps), f),
          engine()};
}

CachedPrimitive<dnnl::batch_normalization_forward>& forward_entry(const Shape& shape, double eps, bool global_stats) {
  return cached_primitive<dnnl::batch_normalization_forward>(
      strata::detail::concat("bn_fwd", shape_str(shape), eps, global_stats),
      [&] { return forward_pd(shape, eps, global_stats); });
}

}  // namespace

namespace {
struct Layout {
  std::int64_t n, c, l;
};
Layout layout_of(const Tensor& x) { return {x.size(0), x.size(1), x.numel() / (x.size(0) * x.size(1))}; }
// Parallel over channels only when there is enough work to pay for waking the threads.
bool worth_threads(const Layout& d) { return d.n * d.c * d.l >= 16384 && d.c > 1; }
}  // namespace

BatchNormForward batch_norm_training(const Tensor& x_in, const Tensor& gamma_in, const Tensor& beta_in, double eps) {
  checks::check_batch_norm(x_in, gamma_in, "batch_norm");
  const Tensor x = x_in.contiguous(), gamma = gamma_in.contiguous(), beta = beta_in.contiguous();
  const Layout d = layout_of(x);
  Tensor y = Tensor::empty(x.shape(), DType::f32);
  Tensor mean = Tensor::empty({d.c}, DType::f32), var = Tensor::empty({d.c}, DType::f32);
  const float* px = x.data<float>();
  const float *pg = gamma.data<float>(), *pb = beta.data<float>();
  float *py = y.data<float>(), *pm = mean.data<float>(), *pv = var.data<float>();
  const double count = static_cast<double>(d.n * d.l);
#pragma omp parallel for schedule(static) if (worth_threads(d))
  for (std::int64_t c = 0; c < d.c; ++c) {
    double sum = 0.0;  // two passes, accumulated in double: no cancellation for large means
    for (std::int64_t n = 0; n < d.n; ++n) {
      const float* row = px + (n * d.c + c) * d.l;
      float partial = 0.f;
#pragma omp simd reduction(+ : partial)
      for (std::int64_t i = 0; i < d.l; ++i) partial += row[i];
      sum += partial;
    }
    const float mu = static_cast<float>(sum / count);
    double squares = 0.0;
    for (std::int64_t n = 0; n < d.n; ++n) {
      const float* row = px + (n * d.c + c) * d.l;
      float partial = 0.f;
#pragma omp simd reduction(+ : partial)
      for (std::int64_t i = 0; i < d.l; ++i) partial += (row[i] - mu) * (row[i] - mu);
      squares += partial;
    }
    const float sigma2 = static_cast<float>(squares / count);
    const float scale = pg[c] / std::sqrt(sigma2 + static_cast<float>(eps)), shift = pb[c] - mu * scale;
    for (std::int64_t n = 0; n < d.n; ++n) {
      const float* row = px + (n * d.c + c) * d.l;
      float* out = py + (n * d.c + c) * d.l;
#pragma omp simd
      for (std::int64_t i = 0; i < d.l; ++i) out[i] = row[i] * scale + shift;
    }
    pm[c] = mu;
    pv[c] = sigma2;
  }
  return {y, mean, var};
}

Tensor batch_norm_inference(const Tensor& x_in, const Tensor& gamma, const Tensor& beta, const Tensor& mean,
                            const Tensor& var, double eps) {
  checks::check_batch_norm(x_in, gamma, "batch_norm");
  const Tensor x = x_in.contiguous().reshape(as_4d(x_in));
  auto& e = forward_entry(x.shape(), eps, true);
  Tensor y = Tensor::empty(x.shape(), DType::f32);
  execute(e.prim, {{DNNL_ARG_SRC, wrap(x)},
                   {DNNL_ARG_DST, wrap(y)},
                   {DNNL_ARG_SCALE, wrap(gamma.contiguous())},
                   {DNNL_ARG_SHIFT, wrap(beta.contiguous())},
                   {DNNL_ARG_MEAN, wrap(mean.contiguous())},
                   {DNNL_ARG_VARIANCE, wrap(var.contiguous())}});
  return y.reshape(x_in.shape());
}

namespace {
// Backward through batch statistics: with xhat = (x - mean) / sqrt(var + eps),
//   d_beta = sum(gy), d_gamma = sum(gy * xhat),
//   dx = gamma / sqrt(var + eps) * (gy - d_beta / m - xhat * d_gamma / m), m = N * L.
BatchNormGrads backward_batch_stats(const Tensor& gy_in, const Tensor& x_in, const Tensor& gamma_in, const Tensor& mean_in,
                                    const Tensor& var_in, double eps) {
  const Tensor x = x_in.contiguous(), gy = gy_in.contiguous(), gamma = gamma_in.contiguous();
  const Tensor mean = mean_in.contiguous(), var = var_in.contiguous();
  const Layout d = layout_of(x);
  Tensor gx = Tensor::empty(x.shape(), DType::f32);
  Tensor gg = Tensor::empty({d.c}, DType::f32), gb = Tensor::empty({d.c}, DType::f32);
  const float *px = x.data<float>(), *pgy = gy.data<float>(), *pgamma = gamma.data<float>();
  const float *pm = mean.data<float>(), *pv = var.data<float>();
  float *pgx = gx.data<float>(), *pgg = gg.data<float>(), *pgb = gb.data<float>();
  const float m = static_cast<float>(d.n * d.l);
#pragma omp parallel for schedule(static) if (worth_threads(d))
  for (std::int64_t c = 0; c < d.c; ++c) {
    const float mu = pm[c], inv_std = 1.f / std::sqrt(pv[c] + static_cast<float>(eps));
    double sum_gy = 0.0, sum_gy_xhat = 0.0;
    for (std::int64_t n = 0; n < d.n; ++n) {
      const float *row = px + (n * d.c + c) * d.l, *g = pgy + (n * d.c + c) * d.l;
      float a = 0.f, b = 0.f;
#pragma omp simd reduction(+ : a, b)
      for (std::int64_t i = 0; i < d.l; ++i) {
        a += g[i];
        b += g[i] * (row[i] - mu);
      }
      sum_gy += a;
      sum_gy_xhat += b;
    }
    const float d_beta = static_cast<float>(sum_gy), d_gamma = static_cast<float>(sum_gy_xhat) * inv_std;
    const float k = pgamma[c] * inv_std, mean_gy = d_beta / m, mean_gy_xhat = d_gamma / m;
    for (std::int64_t n = 0; n < d.n; ++n) {
      const float *row = px + (n * d.c + c) * d.l, *g = pgy + (n * d.c + c) * d.l;
      float* out = pgx + (n * d.c + c) * d.l;
#pragma omp simd
      for (std::int64_t i = 0; i < d.l; ++i) out[i] = k * (g[i] - mean_gy - (row[i] - mu) * inv_std * mean_gy_xhat);
    }
    pgg[c] = d_gamma;
    pgb[c] = d_beta;
  }
  return {gx, gg, gb};
}
}  // namespace

BatchNormGrads batch_norm_backward(const Tensor& gy_in, const Tensor& x_in, const Tensor& gamma, const Tensor& mean,
                                   const Tensor& var, double eps, bool batch_stats) {
  checks::check_batch_norm(x_in, gamma, "batch_norm backward");
  if (batch_stats) return backward_batch_stats(gy_in, x_in, gamma, mean, var, eps);
  const Shape shape = as_4d(x_in);
  const Tensor x = x_in.contiguous().reshape(shape), gy = gy_in.contiguous().reshape(shape);
  auto& e = cached_primitive<dnnl::batch_normalization_backward>(
      strata::detail::concat("bn_bwd", shape_str(shape), eps, batch_stats), [&] {
        const auto f = flags::use_scale | flags::use_shift | (batch_stats ? flags::none : flags::use_global_stats);
        return dnnl::batch_normalization_backward::primitive_desc(
            dnnl::batch_normalization_backward::desc(dnnl::prop_kind::backward, plain_desc(shape), plain_desc(shape),
                                                     static_cast<float>(eps), f),
            engine(), forward_pd(shape, eps, !batch_stats));
      });
  Tensor gx = Tensor::empty(shape, DType::f32);
  Tensor gg = Tensor::empty({shape[1]}, DType::f32), gb = Tensor::empty({shape[1]}, DType::f32);
  // oneDNN 2.6 refuses to run the backward pass without a shift argument, although the
  // gradients do not depend on it.
  const Tensor unused_shift = Tensor::zeros({shape[1]}, DType::f32);
  execute(e.prim, {{DNNL_ARG_SRC, wrap(x)},
                   {DNNL_ARG_DIFF_DST, wrap(gy)},
                   {DNNL_ARG_MEAN, wrap(mean.contiguous())},
                   {DNNL_ARG_VARIANCE, wrap(var.contiguous())},
                   {DNNL_ARG_SCALE, wrap(gamma.contiguous())},
                   {DNNL_ARG_SHIFT, wrap(unused_shift)},
                   {DNNL_ARG_DIFF_SRC, wrap(gx)},
                   {DNNL_ARG_DIFF_SCALE, wrap(gg)},
                   {DNNL_ARG_DIFF_SHIFT, wrap(gb)}});
  return {gx.reshape(x_in.shape()), gg, gb};
}

}  // namespace strata::kernels::cpu
