// oneDNN convolution of spatial rank 1 to 3, forward and both backward passes. Memory formats
// are left to oneDNN ("any"), which picks blocked layouts for its fastest kernels; plain
// channels-first tensors are reordered in and out at the boundary, as PyTorch does for dense
// tensors.
#include "strata/kernels/backend.h"
#include "strata/kernels/cpu/onednn_context.h"

namespace strata::kernels::cpu {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

// oneDNN wants grouped weights with a leading group axis: [G, O/G, C/G, *kernel].
Shape onednn_weight_shape(const Shape& w, std::int64_t groups) {
  if (groups == 1) return w;
  Shape grouped{groups, w[0] / groups};
  grouped.insert(grouped.end(), w.begin() + 1, w.end());
  return grouped;
}

struct ConvDescs {
  memory::desc src, weights, bias, dst;
  memory::dims strides, dilates, pad_l, pad_r;
};

ConvDescs conv_descs(const Shape& x, const Shape& w, const ConvNdGeometry& g, bool with_bias) {
  const Shape y = g.output_shape(x, w);
  ConvDescs d;
  d.src = memory::desc(dims_of(x), f32, tag::any);
  d.weights = memory::desc(dims_of(onednn_weight_shape(w, g.groups)), f32, tag::any);
  d.bias = with_bias ? memory::desc({w[0]}, f32, tag::x) : memory::desc();
  d.dst = memory::desc(dims_of(y), f32, tag::any);
  d.strides = g.stride;
  for (std::int64_t dilation : g.dilation) d.dilates.push_back(dilation - 1);  // oneDNN counts dilation from 0
  d.pad_l = g.pad_begin;
  d.pad_r = g.pad_end;
  return d;
}

std::string conv_key(const char* op, const Shape& x, const Shape& w, const ConvNdGeometry& g, bool bias) {
  return strata::detail::concat(op, shape_str(x), shape_str(w), bias, "s", shape_str(g.stride), "p",
                                shape_str(g.pad_begin), shape_str(g.pad_end), "d", shape_str(g.dilation), "g",
                                g.groups);
}

dnnl::convolution_forward::primitive_desc forward_pd(const ConvDescs& d, bool with_bias) {
  auto desc = with_bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training,
                                                          dnnl::algorithm::convolution_direct, d.src, d.weights,
                                                          d.bias, d.dst, d.strides, d.dilates, d.pad_l, d.pad_r)
                        : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training,
                                                          dnnl::algorithm::convolution_direct, d.src, d.weights, d.dst,
                                                          d.strides, d.dilates, d.pad_l, d.pad_r);
  return {desc, engine()};
}

// The plain (user) layout of a weight tensor as oneDNN sees it.
memory user_weights(const Tensor& w, std::int64_t groups) {
  return wrap(w, plain_desc(onednn_weight_shape(w.shape(), groups)));
}

// Runs `run(dst_memory)` and brings the result into a plain tensor of `shape`.
template <class Run>
Tensor into_plain(const Shape& shape, const memory::desc& produced, Run&& run) {
  Tensor out = Tensor::empty(shape, DType::f32);
  const memory user = wrap(out, plain_desc(shape));
  if (produced == user.get_desc()) {
    run(user);
  } else {
    const OwnedMemory tmp = allocate(produced);
    run(tmp.memory);
    reorder_into(tmp.memory, user);
  }
  return out;
}

}  // namespace

Tensor conv_forward(const Tensor& x_in, const Tensor& w_in, const Tensor& bias_in, const ConvNdGeometry& g) {
  const Shape y_shape = g.output_shape(x_in.shape(), w_in.shape());
  const bool with_bias = bias_in.defined();
  if (with_bias)
    STRATA_CHECK(bias_in.numel() == w_in.size(0), "convolution: bias has ", bias_in.numel(), " elements but there are ",
                 w_in.size(0), " output channels");
  const Tensor x = x_in.contiguous(), w = w_in.contiguous();
  auto& e = cached_primitive<dnnl::convolution_forward>(conv_key("conv_fwd", x.shape(), w.shape(), g, with_bias), [&] {
    return forward_pd(conv_descs(x.shape(), w.shape(), g, with_bias), with_bias);
  });
  const OwnedMemory src = reorder_to(wrap(x), e.pd.src_desc());
  const OwnedMemory weights = reorder_to(user_weights(w, g.groups), e.pd.weights_desc());
  return into_plain(y_shape, e.pd.dst_desc(), [&](const memory& dst) {
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src.memory}, {DNNL_ARG_WEIGHTS, weights.memory}, {DNNL_ARG_DST, dst}};
    if (with_bias) args.emplace(DNNL_ARG_BIAS, wrap(bias_in.contiguous()));
    execute(e.prim, args);
  });
}

Tensor conv2d_inference(const Tensor& x_in, const Tensor& w_in, const Tensor& bias_in, const Conv2dGeometry& g2,
                        const ConvEpilogue& ep) {
  const ConvNdGeometry g = g2.nd();
  const Shape y_shape = g.output_shape(x_in.shape(), w_in.shape());
  const bool with_bias = bias_in.defined(), affine = ep.scale.defined();
  const Tensor x = x_in.contiguous(), w = w_in.contiguous();
  const memory::desc channel_md({1, w.size(0), 1, 1}, f32, tag::nchw);
  const std::string key = strata::detail::concat(conv_key("conv_inf", x.shape(), w.shape(), g, with_bias), "a", affine, "e",
                                                 ep.activation ? int(*ep.activation) : -1);
  auto& e = cached_primitive<dnnl::convolution_forward>(key, [&] {
    const ConvDescs d = conv_descs(x.shape(), w.shape(), g, with_bias);
    auto desc = with_bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                                            dnnl::algorithm::convolution_direct, d.src, d.weights, d.bias,
                                                            d.dst, d.strides, d.dilates, d.pad_l, d.pad_r)
                          : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                                            dnnl::algorithm::convolution_direct, d.src, d.weights, d.dst,
                                                            d.strides, d.dilates, d.pad_l, d.pad_r);
    // Post-ops: a folded batch normalization as a per-channel multiply and add, then the activation.
    dnnl::post_ops ops;
    if (affine) {
      ops.append_binary(dnnl::algorithm::binary_mul, channel_md);
      ops.append_binary(dnnl::algorithm::binary_add, channel_md);
    }
    if (ep.activation == ActivationKind::relu) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    else if (ep.activation == ActivationKind::relu6) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip_v2, 0.f, 6.f);
    else STRATA_CHECK(!ep.activation, "conv2d_inference: only relu and relu6 fuse, not ", activation_name(*ep.activation));
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    return dnnl::convolution_forward::primitive_desc(desc, attr, engine());
  });
  const OwnedMemory src = reorder_to(wrap(x), e.pd.src_desc());
  const OwnedMemory weights = reorder_to(user_weights(w, g.groups), e.pd.weights_desc());
  return into_plain(y_shape, e.pd.dst_desc(), [&](const memory& dst) {
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src.memory}, {DNNL_ARG_WEIGHTS, weights.memory}, {DNNL_ARG_DST, dst}};
    if (with_bias) args.emplace(DNNL_ARG_BIAS, wrap(bias_in.contiguous()));
    if (affine) {
      args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, wrap(ep.scale.contiguous(), channel_md));
      args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(1) | DNNL_ARG_SRC_1, wrap(ep.shift.contiguous(), channel_md));
    }
    execute(e.prim, args);
  });
}

namespace {

// grad_y in the layout a backward primitive wants, reordered at most once per layout.
class GradYCache {
 public:
  explicit GradYCache(const Tensor& gy) : gy_(gy.contiguous()), user_(wrap(gy_)) {}
  const memory& in(const memory::desc& wanted) {
    for (const auto& m : reordered_)
      if (m.memory.get_desc() == wanted) return m.memory;
    reordered_.push_back(reorder_to(user_, wanted));
    return reordered_.back().memory;
  }

 private:
  Tensor gy_;
  memory user_;
  std::vector<OwnedMemory> reordered_;
};

Tensor backward_data(GradYCache& gy, const Tensor& w_in, const Shape& x_shape, const ConvNdGeometry& g) {
  const Tensor w = w_in.contiguous();
  auto& e = cached_primitive<dnnl::convolution_backward_data>(conv_key("conv_bwd_data", x_shape, w.shape(), g, false), [&] {
    const ConvDescs d = conv_descs(x_shape, w.shape(), g, false);
    return dnnl::convolution_backward_data::primitive_desc(
        dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, d.src, d.weights, d.dst, d.strides,
                                              d.dilates, d.pad_l, d.pad_r),
        engine(), forward_pd(d, false));
  });
  const memory& diff_dst = gy.in(e.pd.diff_dst_desc());
  const OwnedMemory weights = reorder_to(user_weights(w, g.groups), e.pd.weights_desc());
  return into_plain(x_shape, e.pd.diff_src_desc(), [&](const memory& diff_src) {
    execute(e.prim, {{DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_WEIGHTS, weights.memory}, {DNNL_ARG_DIFF_SRC, diff_src}});
  });
}

std::pair<Tensor, Tensor> backward_weights(GradYCache& gy, const Tensor& x_in, const Shape& w_shape,
                                           const ConvNdGeometry& g, bool with_bias) {
  const Tensor x = x_in.contiguous();
  auto& e = cached_primitive<dnnl::convolution_backward_weights>(conv_key("conv_bwd_weights", x.shape(), w_shape, g, with_bias), [&] {
    const ConvDescs d = conv_descs(x.shape(), w_shape, g, with_bias);
    auto desc = with_bias ? dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, d.src,
                                                                     d.weights, d.bias, d.dst, d.strides, d.dilates,
                                                                     d.pad_l, d.pad_r)
                          : dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, d.src,
                                                                     d.weights, d.dst, d.strides, d.dilates, d.pad_l,
                                                                     d.pad_r);
    return dnnl::convolution_backward_weights::primitive_desc(desc, engine(), forward_pd(d, with_bias));
  });
  const OwnedMemory src = reorder_to(wrap(x), e.pd.src_desc());
  const memory& diff_dst = gy.in(e.pd.diff_dst_desc());
  Tensor grad_bias = with_bias ? Tensor::empty({w_shape[0]}, DType::f32) : Tensor();
  const Shape onednn_w = onednn_weight_shape(w_shape, g.groups);
  Tensor grad_w = into_plain(onednn_w, e.pd.diff_weights_desc(), [&](const memory& diff_weights) {
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, src.memory}, {DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_WEIGHTS, diff_weights}};
    if (with_bias) args.emplace(DNNL_ARG_DIFF_BIAS, wrap(grad_bias));
    execute(e.prim, args);
  });
  return {grad_w.reshape(w_shape), grad_bias};
}

void check_grad_y(const Tensor& gy, const Shape& x_shape, const Shape& w_shape, const ConvNdGeometry& g) {
  const Shape y_shape = g.output_shape(x_shape, w_shape);
  STRATA_CHECK(gy.shape() == y_shape, "convolution backward: gradient has shape ", shape_str(gy.shape()),
               " but the output shape is ", shape_str(y_shape));
}

}  // namespace

Tensor conv_backward_data(const Tensor& gy, const Tensor& w, const Shape& x_shape, const ConvNdGeometry& g) {
  check_grad_y(gy, x_shape, w.shape(), g);
  GradYCache cache(gy);
  return backward_data(cache, w, x_shape, g);
}

std::pair<Tensor, Tensor> conv_backward_weights(const Tensor& x, const Tensor& gy, const Shape& w_shape,
                                                const ConvNdGeometry& g, bool with_bias) {
  check_grad_y(gy, x.shape(), w_shape, g);
  GradYCache cache(gy);
  return backward_weights(cache, x, w_shape, g, with_bias);
}

ConvGrads conv_backward(const Tensor& gy, const Tensor& x, const Tensor& w, const ConvNdGeometry& g, bool want_x,
                        bool want_w, bool want_bias) {
  check_grad_y(gy, x.shape(), w.shape(), g);
  GradYCache cache(gy);  // shared by both passes
  ConvGrads grads;
  if (want_x) grads.grad_x = backward_data(cache, w, x.shape(), g);
  if (want_w || want_bias) {
    auto [gw, gb] = backward_weights(cache, x, w.shape(), g, want_bias);
    if (want_w) grads.grad_w = gw;
    grads.grad_bias = gb;
  }
  return grads;
}

}  // namespace strata::kernels::cpu
