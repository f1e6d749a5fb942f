// Convolution of spatial rank 1 to 3, and the 2-D geometry builder with explicit, "valid" or
// "same" padding, stride, dilation and groups.
#include "strata/ops/ops.h"

namespace strata::ops {

void Window::set_stride(const char* op, std::int64_t h, std::int64_t w) {
  STRATA_CHECK(h >= 1 && w >= 1, op, ": stride must be >= 1, got (", h, ",", w, ")");
  stride_h = h;
  stride_w = w;
}
void Window::set_padding(const char* op, const std::string& mode) {
  STRATA_CHECK(mode == "same" || mode == "valid", op, ": padding must be \"valid\" or \"same\", got \"", mode, "\"");
  same = mode == "same";
  pad_top = pad_bottom = pad_left = pad_right = 0;
}
void Window::set_padding(const char* op, std::int64_t top, std::int64_t bottom, std::int64_t left, std::int64_t right) {
  STRATA_CHECK(top >= 0 && bottom >= 0 && left >= 0 && right >= 0, op, ": padding must be >= 0, got (", top, ",",
               bottom, ",", left, ",", right, ")");
  same = false;
  pad_top = top;
  pad_bottom = bottom;
  pad_left = left;
  pad_right = right;
}

ConvGeometry& ConvGeometry::stride(std::int64_t h, std::int64_t w) {
  window_.set_stride("conv2d", h, w);
  return *this;
}
ConvGeometry& ConvGeometry::padding(const std::string& mode) {
  window_.set_padding("conv2d", mode);
  return *this;
}
ConvGeometry& ConvGeometry::padding(std::int64_t h, std::int64_t w) { return padding(h, h, w, w); }
ConvGeometry& ConvGeometry::padding(std::int64_t top, std::int64_t bottom, std::int64_t left, std::int64_t right) {
  window_.set_padding("conv2d", top, bottom, left, right);
  return *this;
}
ConvGeometry& ConvGeometry::dilation(std::int64_t h, std::int64_t w) {
  STRATA_CHECK(h >= 1 && w >= 1, "conv2d: dilation must be >= 1, got (", h, ",", w, ")");
  dilation_h_ = h;
  dilation_w_ = w;
  return *this;
}
ConvGeometry& ConvGeometry::groups(std::int64_t g) {
  STRATA_CHECK(g >= 1, "conv2d: groups must be >= 1, got ", g);
  groups_ = g;
  return *this;
}

std::array<std::int64_t, 2> same_padding(std::int64_t in, std::int64_t k, std::int64_t stride, std::int64_t dilation) {
  STRATA_CHECK(k >= 1 && stride >= 1 && dilation >= 1, "\"same\" padding: kernel, stride and dilation must be >= 1, got ",
               k, ", ", stride, ", ", dilation);
  const std::int64_t out = (in + stride - 1) / stride;
  const std::int64_t total = std::max<std::int64_t>((out - 1) * stride + (k - 1) * dilation + 1 - in, 0);
  return {total / 2, total - total / 2};
}

kernels::Conv2dGeometry ConvGeometry::resolve(const Shape& x, std::int64_t kh, std::int64_t kw) const {
  STRATA_CHECK(x.size() == 4, "conv2d: expected input [N,C,H,W] but got shape ", shape_str(x));
  kernels::Conv2dGeometry g;
  g.stride_h = window_.stride_h;
  g.stride_w = window_.stride_w;
  g.dilation_h = dilation_h_;
  g.dilation_w = dilation_w_;
  g.groups = groups_;
  if (window_.same) {
    const auto ph = same_padding(x[2], kh, window_.stride_h, dilation_h_),
               pw = same_padding(x[3], kw, window_.stride_w, dilation_w_);
    g.pad_top = ph[0];
    g.pad_bottom = ph[1];
    g.pad_left = pw[0];
    g.pad_right = pw[1];
  } else {
    g.pad_top = window_.pad_top;
    g.pad_bottom = window_.pad_bottom;
    g.pad_left = window_.pad_left;
    g.pad_right = window_.pad_right;
  }
  return g;
}

Pads conv_padding(const std::string& op, const std::string& mode, const Pads& pads, const Shape& in, const Shape& kernel,
                  const Shape& stride, const Shape& dilation) {
  const std::size_t rank = in.size();
  STRATA_CHECK(kernel.size() == rank && stride.size() == rank && dilation.size() == rank, op,
               ": kernel_size, strides and dilation_rate need ", rank, " entries each for input sizes ", shape_str(in));
  Pads out(rank, {0, 0});
  if (mode == "valid") return out;
  if (mode == "explicit") {
    STRATA_CHECK(pads.size() == rank, op, ": explicit padding needs ", rank, " (begin, end) pairs, got ", pads.size());
    for (const auto& p : pads) STRATA_CHECK(p[0] >= 0 && p[1] >= 0, op, ": padding must be >= 0");
    return pads;
  }
  if (mode == "causal") {
    STRATA_CHECK(rank == 1, op, ": padding \"causal\" is for one spatial axis (sequences), not ", rank);
    out[0][0] = (kernel[0] - 1) * dilation[0];
    return out;
  }
  STRATA_CHECK(mode == "same", op, ": padding must be \"valid\", \"same\", \"causal\" or \"explicit\", got \"", mode,
               "\"");
  for (std::size_t i = 0; i < rank; ++i) out[i] = same_padding(in[i], kernel[i], stride[i], dilation[i]);
  return out;
}

Variable conv(const Variable& x, const Variable& weight, const Variable& bias, const kernels::ConvNdGeometry& g) {
  const Tensor xv = x.value(), wv = weight.value();
  const bool with_bias = bias.defined();
  Tensor y = kernels::conv_forward(xv, wv, with_bias ? bias.value() : Tensor(), g);
  std::vector<Variable> inputs{x, weight};
  if (with_bias) inputs.push_back(bias);
  return Variable(y, inputs, [xv, wv, g, with_bias](std::vector<Variable>& in, const Tensor& gy) {
    const bool want_bias = with_bias && in[2].requires_grad();
    auto grads = kernels::conv_backward(gy, xv, wv, g, in[0].requires_grad(), in[1].requires_grad(), want_bias);
    if (grads.grad_x.defined()) in[0].accumulate_grad(grads.grad_x);
    if (grads.grad_w.defined()) in[1].accumulate_grad(grads.grad_w);
    if (want_bias) in[2].accumulate_grad(grads.grad_bias);
  });
}

Variable conv2d(const Variable& x, const Variable& weight, const Variable& bias, const ConvGeometry& options) {
  STRATA_CHECK(weight.dim() == 4, "conv2d: expected weight [O,C/groups,KH,KW] but got shape ", shape_str(weight.shape()));
  return conv(x, weight, bias, options.resolve(x.shape(), weight.size(2), weight.size(3)).nd());
}

}  // namespace strata::ops
