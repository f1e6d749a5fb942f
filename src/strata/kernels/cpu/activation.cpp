// oneDNN eltwise for the activations it implements (see onednn_has_activation); the
// dispatcher sends the others (selu, hard_sigmoid) to the reference loop.
#include "strata/kernels/backend.h"
#include "strata/kernels/cpu/onednn_context.h"

namespace strata::kernels {

bool onednn_has_activation(ActivationKind a) { return a != ActivationKind::selu && a != ActivationKind::hard_sigmoid; }

namespace cpu {
namespace {

struct EltwiseAlg {
  dnnl::algorithm alg;
  float alpha, beta;
};

EltwiseAlg eltwise_alg(ActivationKind a, double alpha) {
  using dnnl::algorithm;
  switch (a) {
    case ActivationKind::relu: return {algorithm::eltwise_relu, 0.f, 0.f};
    case ActivationKind::leaky_relu: return {algorithm::eltwise_relu, float(alpha), 0.f};
    case ActivationKind::relu6: return {algorithm::eltwise_clip_v2, 0.f, 6.f};
    case ActivationKind::elu: return {algorithm::eltwise_elu, float(alpha), 0.f};
    case ActivationKind::gelu: return {algorithm::eltwise_gelu_erf, 0.f, 0.f};
    case ActivationKind::silu: return {algorithm::eltwise_swish, 1.f, 0.f};
    case ActivationKind::sigmoid: return {algorithm::eltwise_logistic, 0.f, 0.f};
    case ActivationKind::tanh: return {algorithm::eltwise_tanh, 0.f, 0.f};
    case ActivationKind::softplus: return {algorithm::eltwise_soft_relu, 0.f, 0.f};
    default: break;
  }
  throw Error(strata::detail::concat(activation_name(a), ": not available in the oneDNN backend"));
}

dnnl::eltwise_forward::primitive_desc forward_pd(const EltwiseAlg& e, const dnnl::memory::desc& md) {
  return {dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, e.alg, md, e.alpha, e.beta), engine()};
}

// Element-wise ops do not care about shape, only size: flatten to 1-D so all shapes of one
// size share a primitive.
Shape flat(const Tensor& t) { return {t.numel()}; }

}  // namespace

Tensor activation_forward(ActivationKind a, const Tensor& x_in, double alpha) {
  const EltwiseAlg alg = eltwise_alg(a, alpha);
  const Tensor x = x_in.contiguous();
  Tensor y = Tensor::empty(x.shape(), DType::f32);
  if (x.numel() == 0) return y;
  const auto md = plain_desc(flat(x));
  auto& e = cached_primitive<dnnl::eltwise_forward>(strata::detail::concat("eltwise", int(a), alpha, x.numel()),
                                                    [&] { return forward_pd(alg, md); });
  execute(e.prim, {{DNNL_ARG_SRC, wrap(x, md)}, {DNNL_ARG_DST, wrap(y, md)}});
  return y;
}

Tensor activation_backward(ActivationKind a, const Tensor& gy_in, const Tensor& x_in, double alpha) {
  STRATA_CHECK(gy_in.shape() == x_in.shape(), activation_name(a), " backward: gradient shape ",
               shape_str(gy_in.shape()), " differs from input shape ", shape_str(x_in.shape()));
  const EltwiseAlg alg = eltwise_alg(a, alpha);
  const Tensor x = x_in.contiguous(), gy = gy_in.contiguous();
  Tensor gx = Tensor::empty(x.shape(), DType::f32);
  if (x.numel() == 0) return gx;
  const auto md = plain_desc(flat(x));
  auto& e = cached_primitive<dnnl::eltwise_backward>(strata::detail::concat("eltwise_bwd", int(a), alpha, x.numel()), [&] {
    return dnnl::eltwise_backward::primitive_desc(dnnl::eltwise_backward::desc(alg.alg, md, md, alg.alpha, alg.beta),
                                                  engine(), forward_pd(alg, md));
  });
  execute(e.prim, {{DNNL_ARG_SRC, wrap(x, md)}, {DNNL_ARG_DIFF_DST, wrap(gy, md)}, {DNNL_ARG_DIFF_SRC, wrap(gx, md)}});
  return gx;
}

}  // namespace cpu
}  // namespace strata::kernels
