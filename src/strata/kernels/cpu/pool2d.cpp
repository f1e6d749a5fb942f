// oneDNN max and average pooling on plain NCHW. Max pooling keeps oneDNN's workspace (the
// argmax positions) for the backward pass.
#include <algorithm>

#include "strata/kernels/backend.h"
#include "strata/kernels/cpu/onednn_context.h"

namespace strata::kernels::cpu {
namespace {

using dnnl::memory;

struct PoolDescs {
  dnnl::algorithm alg;
  memory::desc src, dst;
  memory::dims strides, kernel, pad_l, pad_r;
};

// oneDNN derives the output size from the padding, so ceil mode shows up as extra padding
// on the bottom/right. That extra is never counted by average pooling with exclude_padding.
PoolDescs pool_descs(const Shape& x, const Pool2dGeometry& g) {
  const std::int64_t pad_b = std::max(g.pad_bottom, (g.out_h - 1) * g.stride_h + g.kernel_h - x[2] - g.pad_top);
  const std::int64_t pad_r = std::max(g.pad_right, (g.out_w - 1) * g.stride_w + g.kernel_w - x[3] - g.pad_left);
  const auto alg = g.kind == PoolKind::max ? dnnl::algorithm::pooling_max
                   : g.count_include_pad   ? dnnl::algorithm::pooling_avg_include_padding
                                           : dnnl::algorithm::pooling_avg_exclude_padding;
  return {alg,
          plain_desc(x),
          plain_desc({x[0], x[1], g.out_h, g.out_w}),
          {g.stride_h, g.stride_w},
          {g.kernel_h, g.kernel_w},
          {g.pad_top, g.pad_left},
          {pad_b, pad_r}};
}

// Ceil mode plus count_include_pad would make oneDNN count the ceil rows too; the reference
// loop implements PyTorch's rule for that rare combination.
bool needs_reference(const Shape& x, const Pool2dGeometry& g) {
  const PoolDescs d = pool_descs(x, g);
  return g.kind == PoolKind::avg && g.count_include_pad && (d.pad_r[0] > g.pad_bottom || d.pad_r[1] > g.pad_right);
}

std::string pool_key(const Shape& x, const Pool2dGeometry& g) {
  return strata::detail::concat("pool", shape_str(x), int(g.kind), "k", g.kernel_h, ",", g.kernel_w, "s", g.stride_h, ",",
                        g.stride_w, "p", g.pad_top, ",", g.pad_bottom, ",", g.pad_left, ",", g.pad_right, "o", g.out_h,
                        ",", g.out_w, "i", g.count_include_pad);
}

dnnl::pooling_forward::primitive_desc forward_pd(const PoolDescs& d) {
  return {dnnl::pooling_forward::desc(dnnl::prop_kind::forward_training, d.alg, d.src, d.dst, d.strides, d.kernel,
                                      d.pad_l, d.pad_r),
          engine()};
}

}  // namespace

PoolForward pool2d_forward(const Tensor& x_in, const Pool2dGeometry& g) {
  checks::check_pool(x_in, g);
  if (needs_reference(x_in.shape(), g)) return reference::pool2d_forward(x_in, g);
  const Tensor x = x_in.contiguous();
  auto& e = cached_primitive<dnnl::pooling_forward>(pool_key(x.shape(), g), [&] { return forward_pd(pool_descs(x.shape(), g)); });
  Tensor y = Tensor::empty({x.size(0), x.size(1), g.out_h, g.out_w}, DType::f32);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(x)}, {DNNL_ARG_DST, wrap(y)}};
  std::shared_ptr<OwnedMemory> workspace;  // from the buffer cache, like every other temporary
  if (g.kind == PoolKind::max) {
    workspace = std::make_shared<OwnedMemory>(allocate(e.pd.workspace_desc()));
    args.emplace(DNNL_ARG_WORKSPACE, workspace->memory);
  }
  execute(e.prim, args);
  return {y, workspace};
}

Tensor pool2d_backward(const Tensor& gy_in, const Tensor& x_in, const PoolForward& forward, const Pool2dGeometry& g) {
  checks::check_pool(x_in, g);
  if (needs_reference(x_in.shape(), g)) return reference::pool2d_backward(gy_in, x_in, forward, g);
  STRATA_CHECK(g.kind == PoolKind::avg || forward.workspace, "max_pool2d backward: missing the forward workspace");
  const Tensor gy = gy_in.contiguous();
  auto& e = cached_primitive<dnnl::pooling_backward>("bwd" + pool_key(x_in.shape(), g), [&] {
    const PoolDescs d = pool_descs(x_in.shape(), g);
    return dnnl::pooling_backward::primitive_desc(
        dnnl::pooling_backward::desc(d.alg, d.src, d.dst, d.strides, d.kernel, d.pad_l, d.pad_r), engine(),
        forward_pd(d));
  });
  Tensor gx = Tensor::empty(x_in.shape(), DType::f32);
  std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, wrap(gy)}, {DNNL_ARG_DIFF_SRC, wrap(gx)}};
  if (g.kind == PoolKind::max)
    args.emplace(DNNL_ARG_WORKSPACE, std::static_pointer_cast<OwnedMemory>(forward.workspace)->memory);
  execute(e.prim, args);
  return gx;
}

}  // namespace strata::kernels::cpu
