// Max and average pooling (with padding, ceil mode and "same"), and global pooling.
#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::ops {

PoolGeometry::PoolGeometry(std::int64_t kernel_h, std::int64_t kernel_w) : kernel_h_(kernel_h), kernel_w_(kernel_w) {
  STRATA_CHECK(kernel_h >= 1 && kernel_w >= 1, "pool2d: kernel must be >= 1, got (", kernel_h, ",", kernel_w, ")");
  window_.set_stride("pool2d", kernel_h, kernel_w);  // the default stride is the kernel size
}
PoolGeometry& PoolGeometry::stride(std::int64_t h, std::int64_t w) {
  window_.set_stride("pool2d", h, w);
  return *this;
}
PoolGeometry& PoolGeometry::padding(const std::string& mode) {
  window_.set_padding("pool2d", mode);
  return *this;
}
PoolGeometry& PoolGeometry::padding(std::int64_t h, std::int64_t w) {
  STRATA_CHECK(h * 2 <= kernel_h_ && w * 2 <= kernel_w_, "pool2d: padding (", h, ",", w,
               ") must be at most half the kernel (", kernel_h_, ",", kernel_w_, ")");
  return padding(h, h, w, w);
}
PoolGeometry& PoolGeometry::padding(std::int64_t top, std::int64_t bottom, std::int64_t left, std::int64_t right) {
  STRATA_CHECK(top < kernel_h_ && bottom < kernel_h_ && left < kernel_w_ && right < kernel_w_, "pool2d: padding (", top,
               ",", bottom, ",", left, ",", right, ") must be smaller than the kernel (", kernel_h_, ",", kernel_w_, ")");
  window_.set_padding("pool2d", top, bottom, left, right);
  return *this;
}
PoolGeometry& PoolGeometry::ceil_mode(bool on) {
  ceil_mode_ = on;
  return *this;
}
PoolGeometry& PoolGeometry::count_include_pad(bool on) {
  count_include_pad_ = on;
  return *this;
}

namespace {
struct AxisPlan {
  std::int64_t pad_begin, pad_end, out;
};

AxisPlan plan_axis(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t pad_begin, std::int64_t pad_end,
                   bool same, bool ceil_mode) {
  if (same) {  // TensorFlow: out = ceil(in / s), padding split with the extra at the end
    const auto p = same_padding(in, k, s);
    return {p[0], p[1], (in + s - 1) / s};
  }
  const std::int64_t span = in + pad_begin + pad_end - k;
  STRATA_CHECK(span >= 0, "pool2d: kernel ", k, " is larger than the padded input ", in + pad_begin + pad_end);
  std::int64_t out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (out - 1) * s >= in + pad_begin) --out;  // PyTorch: the last window must start inside
  return {pad_begin, pad_end, out};
}
}  // namespace

kernels::Pool2dGeometry PoolGeometry::resolve(const Shape& x, kernels::PoolKind kind) const {
  STRATA_CHECK(x.size() == 4, "pool2d: expected input [N,C,H,W] but got shape ", shape_str(x));
  const Window& o = window_;
  const AxisPlan h = plan_axis(x[2], kernel_h_, o.stride_h, o.pad_top, o.pad_bottom, o.same, ceil_mode_);
  const AxisPlan w = plan_axis(x[3], kernel_w_, o.stride_w, o.pad_left, o.pad_right, o.same, ceil_mode_);
  kernels::Pool2dGeometry g;
  g.kind = kind;
  g.kernel_h = kernel_h_;
  g.kernel_w = kernel_w_;
  g.stride_h = o.stride_h;
  g.stride_w = o.stride_w;
  g.pad_top = h.pad_begin;
  g.pad_bottom = h.pad_end;
  g.pad_left = w.pad_begin;
  g.pad_right = w.pad_end;
  g.out_h = h.out;
  g.out_w = w.out;
  g.count_include_pad = count_include_pad_ && !o.same;
  return g;
}

namespace {
Variable pool(const Variable& x, const kernels::Pool2dGeometry& g) {
  const Tensor xv = x.value();
  auto forward = std::make_shared<kernels::PoolForward>(kernels::pool2d_forward(xv, g));
  const Tensor y = forward->output;
  return Variable(y, {x}, [xv, g, forward](std::vector<Variable>& in, const Tensor& gy) {
    in[0].accumulate_grad(kernels::pool2d_backward(gy, xv, *forward, g));
  });
}
}  // namespace

Variable max_pool2d(const Variable& x, const PoolGeometry& options) {
  return pool(x, options.resolve(x.shape(), kernels::PoolKind::max));
}

Variable avg_pool2d(const Variable& x, const PoolGeometry& options) {
  return pool(x, options.resolve(x.shape(), kernels::PoolKind::avg));
}

Variable global_avg_pool2d(const Variable& x, bool keepdim) {
  STRATA_CHECK(x.dim() == 4, "global_avg_pool2d: expected input [N,C,H,W] but got shape ", shape_str(x.shape()));
  return mean(x, {2, 3}, keepdim);
}

Variable global_max_pool2d(const Variable& x, bool keepdim) {
  STRATA_CHECK(x.dim() == 4, "global_max_pool2d: expected input [N,C,H,W] but got shape ", shape_str(x.shape()));
  kernels::Pool2dGeometry g;
  g.kind = kernels::PoolKind::max;
  g.kernel_h = g.stride_h = x.size(2);
  g.kernel_w = g.stride_w = x.size(3);
  g.out_h = g.out_w = 1;
  const Variable y = pool(x, g);
  return keepdim ? y : reshape(y, {x.size(0), x.size(1)});
}

}  // namespace strata::ops
