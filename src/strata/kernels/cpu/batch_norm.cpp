// oneDNN batch normalization on plain layouts; [N,C,...] is viewed as [N,C,L,1].
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

BatchNormForward batch_norm_training(const Tensor& x_in, const Tensor& gamma, const Tensor& beta, double eps) {
  checks::check_batch_norm(x_in, gamma, "batch_norm");
  const Tensor x = x_in.contiguous().reshape(as_4d(x_in));
  auto& e = forward_entry(x.shape(), eps, false);
  Tensor y = Tensor::empty(x.shape(), DType::f32);
  Tensor mean = Tensor::empty({x.size(1)}, DType::f32), var = Tensor::empty({x.size(1)}, DType::f32);
  execute(e.prim, {{DNNL_ARG_SRC, wrap(x)},
                   {DNNL_ARG_DST, wrap(y)},
                   {DNNL_ARG_SCALE, wrap(gamma.contiguous())},
                   {DNNL_ARG_SHIFT, wrap(beta.contiguous())},
                   {DNNL_ARG_MEAN, wrap(mean)},
                   {DNNL_ARG_VARIANCE, wrap(var)}});
  return {y.reshape(x_in.shape()), mean, var};
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

BatchNormGrads batch_norm_backward(const Tensor& gy_in, const Tensor& x_in, const Tensor& gamma, const Tensor& mean,
                                   const Tensor& var, double eps, bool batch_stats) {
  checks::check_batch_norm(x_in, gamma, "batch_norm backward");
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
