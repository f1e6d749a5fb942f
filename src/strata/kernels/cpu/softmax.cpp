// oneDNN softmax / log-softmax (softmax_v2) along any axis of a plain tensor.
#include "strata/kernels/backend.h"
#include "strata/kernels/cpu/onednn_context.h"

namespace strata::kernels::cpu {
namespace {

dnnl::algorithm alg_of(bool log) { return log ? dnnl::algorithm::softmax_log : dnnl::algorithm::softmax_accurate; }

dnnl::softmax_v2_forward::primitive_desc forward_pd(const Shape& shape, std::int64_t axis, bool log) {
  const auto md = plain_desc(shape);
  return {dnnl::softmax_v2_forward::desc(dnnl::prop_kind::forward_training, alg_of(log), md, md, int(axis)), engine()};
}

}  // namespace

Tensor softmax_forward(const Tensor& x_in, std::int64_t axis, bool log) {
  axis = normalize_axis(axis, x_in.dim(), "softmax");
  const Tensor x = x_in.contiguous();
  Tensor y = Tensor::empty(x.shape(), DType::f32);
  if (x.numel() == 0) return y;
  auto& e = cached_primitive<dnnl::softmax_v2_forward>(strata::detail::concat("softmax", shape_str(x.shape()), axis, log),
                                                       [&] { return forward_pd(x.shape(), axis, log); });
  execute(e.prim, {{DNNL_ARG_SRC, wrap(x)}, {DNNL_ARG_DST, wrap(y)}});
  return y;
}

Tensor softmax_backward(const Tensor& gy_in, const Tensor& y_in, std::int64_t axis, bool log) {
  axis = normalize_axis(axis, y_in.dim(), "softmax");
  const Tensor y = y_in.contiguous(), gy = gy_in.contiguous();
  Tensor gx = Tensor::empty(y.shape(), DType::f32);
  if (y.numel() == 0) return gx;
  auto& e = cached_primitive<dnnl::softmax_v2_backward>(
      strata::detail::concat("softmax_bwd", shape_str(y.shape()), axis, log), [&] {
        const auto md = plain_desc(y.shape());
        return dnnl::softmax_v2_backward::primitive_desc(dnnl::softmax_v2_backward::desc(alg_of(log), md, md, md, int(axis)),
                                                         engine(), forward_pd(y.shape(), axis, log));
      });
  execute(e.prim, {{DNNL_ARG_DST, wrap(y)}, {DNNL_ARG_DIFF_DST, wrap(gy)}, {DNNL_ARG_DIFF_SRC, wrap(gx)}});
  return gx;
}

}  // namespace strata::kernels::cpu
