// oneDNN max and average pooling of spatial rank 1 to 3 (with dilation) on plain channels-first
// tensors. Max pooling keeps oneDNN's workspace (the argmax positions) for the backward pass.
#include <algorithm>

#include "strata/kernels/backend.h"
#include "strata/kernels/cpu/onednn_context.h"

namespace strata::kernels::cpu {
namespace {

using dnnl::memory;

struct PoolDescs {
  dnnl::algorithm alg;
  memory::desc src, dst;
  memory::dims strides, kernel, dilation, pad_l, pad_r;
};

Shape output_shape(const Shape& x, const PoolNdGeometry& g) {
  Shape y{x[0], x[1]};
  y.insert(y.end(), g.out.begin(), g.out.end());
  return y;
}

// oneDNN derives the output size from the padding, so ceil mode shows up as extra padding
// at the end of an axis. That extra is never counted by average pooling with exclude_padding.
PoolDescs pool_descs(const Shape& x, const PoolNdGeometry& g) {
  const auto alg = g.kind == PoolKind::max ? dnnl::algorithm::pooling_max
                   : g.count_include_pad   ? dnnl::algorithm::pooling_avg_include_padding
                                           : dnnl::algorithm::pooling_avg_exclude_padding;
  PoolDescs d{alg, plain_desc(x), plain_desc(output_shape(x, g)), g.stride, g.kernel, {}, g.pad_begin, {}};
  for (std::size_t i = 0; i < g.rank(); ++i) {
    const std::int64_t dilated = (g.kernel[i] - 1) * g.dilation[i] + 1;
    d.dilation.push_back(g.dilation[i] - 1);  // oneDNN counts dilation from 0
    d.pad_r.push_back(std::max(g.pad_end[i], (g.out[i] - 1) * g.stride[i] + dilated - x[i + 2] - g.pad_begin[i]));
  }
  return d;
}

// Ceil mode plus count_include_pad would make oneDNN count the ceil positions too; the
// reference loop implements PyTorch's rule for that rare combination.
bool needs_reference(const Shape& x, const PoolNdGeometry& g) {
  if (g.kind != PoolKind::avg || !g.count_include_pad) return false;
  const PoolDescs d = pool_descs(x, g);
  for (std::size_t i = 0; i < g.rank(); ++i)
    if (d.pad_r[i] > g.pad_end[i]) return true;
  return false;
}

std::string pool_key(const Shape& x, const PoolNdGeometry& g) {
  return strata::detail::concat("pool", shape_str(x), int(g.kind), "k", shape_str(g.kernel), "s", shape_str(g.stride),
                                "d", shape_str(g.dilation), "p", shape_str(g.pad_begin), shape_str(g.pad_end), "o",
                                shape_str(g.out), "i", g.count_include_pad);
}

dnnl::pooling_v2_forward::primitive_desc forward_pd(const PoolDescs& d) {
  return {dnnl::pooling_v2_forward::desc(dnnl::prop_kind::forward_training, d.alg, d.src, d.dst, d.strides, d.kernel,
                                         d.dilation, d.pad_l, d.pad_r),
          engine()};
}

}  // namespace

PoolForward pool_forward(const Tensor& x_in, const PoolNdGeometry& g) {
  g.check(x_in.shape());
  if (needs_reference(x_in.shape(), g)) return reference::pool_forward(x_in, g);
  const Tensor x = x_in.contiguous();
  auto& e = cached_primitive<dnnl::pooling_v2_forward>(pool_key(x.shape(), g),
                                                       [&] { return forward_pd(pool_descs(x.shape(), g)); });
  Tensor y = Tensor::empty(output_shape(x.shape(), g), DType::f32);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(x)}, {DNNL_ARG_DST, wrap(y)}};
  std::shared_ptr<OwnedMemory> workspace;  // from the buffer cache, like every other temporary
  if (g.kind == PoolKind::max) {
    workspace = std::make_shared<OwnedMemory>(allocate(e.pd.workspace_desc()));
    args.emplace(DNNL_ARG_WORKSPACE, workspace->memory);
  }
  execute(e.prim, args);
  return {y, workspace};
}

Tensor pool_backward(const Tensor& gy_in, const Tensor& x_in, const PoolForward& forward, const PoolNdGeometry& g) {
  g.check(x_in.shape());
  if (needs_reference(x_in.shape(), g)) return reference::pool_backward(gy_in, x_in, forward, g);
  STRATA_CHECK(g.kind == PoolKind::avg || forward.workspace, "max pooling backward: missing the forward workspace");
  const Tensor gy = gy_in.contiguous();
  STRATA_CHECK(gy.shape() == output_shape(x_in.shape(), g), "pooling backward: gradient has shape ",
               shape_str(gy.shape()), " but the output shape is ", shape_str(output_shape(x_in.shape(), g)));
  auto& e = cached_primitive<dnnl::pooling_v2_backward>("bwd" + pool_key(x_in.shape(), g), [&] {
    const PoolDescs d = pool_descs(x_in.shape(), g);
    return dnnl::pooling_v2_backward::primitive_desc(
        dnnl::pooling_v2_backward::desc(d.alg, d.src, d.dst, d.strides, d.kernel, d.dilation, d.pad_l, d.pad_r),
        engine(), forward_pd(d));
  });
  Tensor gx = Tensor::empty(x_in.shape(), DType::f32);
  std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, wrap(gy)}, {DNNL_ARG_DIFF_SRC, wrap(gx)}};
  if (g.kind == PoolKind::max)
    args.emplace(DNNL_ARG_WORKSPACE, std::static_pointer_cast<OwnedMemory>(forward.workspace)->memory);
  execute(e.prim, args);
  return gx;
}

}  // namespace strata::kernels::cpu
