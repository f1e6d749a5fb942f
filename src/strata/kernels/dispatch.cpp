// Routes each kernel call to a backend: f32 to the chosen one, f64 to the reference loops.
#include <atomic>

#include "strata/kernels/backend.h"

namespace strata::kernels {
namespace {
std::atomic<Backend> g_backend{Backend::onednn};
bool use_onednn(const Tensor& t) { return t.dtype() == DType::f32 && g_backend.load() == Backend::onednn; }
}  // namespace

void set_backend(Backend b) { g_backend = b; }
Backend backend() { return g_backend; }

const char* activation_name(ActivationKind a) {
  switch (a) {
    case ActivationKind::relu: return "relu";
    case ActivationKind::leaky_relu: return "leaky_relu";
    case ActivationKind::relu6: return "relu6";
    case ActivationKind::elu: return "elu";
    case ActivationKind::selu: return "selu";
    case ActivationKind::gelu: return "gelu";
    case ActivationKind::silu: return "silu";
    case ActivationKind::sigmoid: return "sigmoid";
    case ActivationKind::tanh: return "tanh";
    case ActivationKind::softplus: return "softplus";
    case ActivationKind::hard_sigmoid: return "hard_sigmoid";
  }
  return "?";
}

#define STRATA_DISPATCH(first, call) return use_onednn(first) ? cpu::call : reference::call

Tensor matmul(const Tensor& a, const Tensor& b) { STRATA_DISPATCH(a, matmul(a, b)); }
Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dGeometry& g) {
  STRATA_DISPATCH(x, conv2d_forward(x, w, bias, g));
}
Tensor conv2d_inference(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dGeometry& g,
                        const ConvEpilogue& epilogue) {
  STRATA_DISPATCH(x, conv2d_inference(x, w, bias, g, epilogue));
}
Tensor conv2d_backward_data(const Tensor& gy, const Tensor& w, const Shape& x_shape, const Conv2dGeometry& g) {
  STRATA_DISPATCH(gy, conv2d_backward_data(gy, w, x_shape, g));
}
std::pair<Tensor, Tensor> conv2d_backward_weights(const Tensor& x, const Tensor& gy, const Shape& w_shape,
                                                  const Conv2dGeometry& g, bool with_bias) {
  STRATA_DISPATCH(x, conv2d_backward_weights(x, gy, w_shape, g, with_bias));
}
Conv2dGrads conv2d_backward(const Tensor& gy, const Tensor& x, const Tensor& w, const Conv2dGeometry& g, bool want_x,
                            bool want_w, bool want_bias) {
  STRATA_DISPATCH(x, conv2d_backward(gy, x, w, g, want_x, want_w, want_bias));
}
PoolForward pool2d_forward(const Tensor& x, const Pool2dGeometry& g) { STRATA_DISPATCH(x, pool2d_forward(x, g)); }
Tensor pool2d_backward(const Tensor& gy, const Tensor& x, const PoolForward& f, const Pool2dGeometry& g) {
  // The workspace is backend-private: a forward pass from one backend needs its own backward.
  STRATA_DISPATCH(x, pool2d_backward(gy, x, f, g));
}
BatchNormForward batch_norm_training(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps) {
  STRATA_DISPATCH(x, batch_norm_training(x, gamma, beta, eps));
}
Tensor batch_norm_inference(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& mean,
                            const Tensor& var, double eps) {
  STRATA_DISPATCH(x, batch_norm_inference(x, gamma, beta, mean, var, eps));
}
BatchNormGrads batch_norm_backward(const Tensor& gy, const Tensor& x, const Tensor& gamma, const Tensor& mean,
                                   const Tensor& var, double eps, bool batch_stats) {
  STRATA_DISPATCH(x, batch_norm_backward(gy, x, gamma, mean, var, eps, batch_stats));
}
Tensor activation_forward(ActivationKind a, const Tensor& x, double alpha) {
  if (!onednn_has_activation(a)) return reference::activation_forward(a, x, alpha);
  STRATA_DISPATCH(x, activation_forward(a, x, alpha));
}
Tensor activation_backward(ActivationKind a, const Tensor& gy, const Tensor& x, double alpha) {
  if (!onednn_has_activation(a)) return reference::activation_backward(a, gy, x, alpha);
  STRATA_DISPATCH(x, activation_backward(a, gy, x, alpha));
}
Tensor softmax_forward(const Tensor& x, std::int64_t axis, bool log) { STRATA_DISPATCH(x, softmax_forward(x, axis, log)); }
Tensor softmax_backward(const Tensor& gy, const Tensor& y, std::int64_t axis, bool log) {
  STRATA_DISPATCH(y, softmax_backward(gy, y, axis, log));
}

#undef STRATA_DISPATCH

// ---------------------------------------------------------------- shared validation
Shape Conv2dGeometry::output_shape(const Shape& x, const Shape& w) const {
  STRATA_CHECK(x.size() == 4, "conv2d: expected input [N,C,H,W] but got shape ", shape_str(x));
  STRATA_CHECK(w.size() == 4, "conv2d: expected weight [O,C/groups,KH,KW] but got shape ", shape_str(w));
  STRATA_CHECK(groups >= 1 && x[1] % groups == 0 && w[0] % groups == 0, "conv2d: groups=", groups,
               " must divide input channels (", x[1], ") and output channels (", w[0], ")");
  STRATA_CHECK(x[1] / groups == w[1], "conv2d: input has ", x[1], " channels but weight expects ", w[1] * groups,
               "; input ", shape_str(x), ", weight ", shape_str(w), ", groups ", groups);
  STRATA_CHECK(stride_h >= 1 && stride_w >= 1 && dilation_h >= 1 && dilation_w >= 1,
               "conv2d: stride and dilation must be >= 1");
  STRATA_CHECK(pad_top >= 0 && pad_bottom >= 0 && pad_left >= 0 && pad_right >= 0, "conv2d: padding must be >= 0");
  const std::int64_t ekh = (w[2] - 1) * dilation_h + 1, ekw = (w[3] - 1) * dilation_w + 1;
  const std::int64_t oh = (x[2] + pad_top + pad_bottom - ekh) / stride_h + 1;
  const std::int64_t ow = (x[3] + pad_left + pad_right - ekw) / stride_w + 1;
  STRATA_CHECK(x[2] + pad_top + pad_bottom >= ekh && x[3] + pad_left + pad_right >= ekw,
               "conv2d: kernel ", w[2], "x", w[3], " (dilated ", ekh, "x", ekw, ") is larger than the padded input ",
               x[2] + pad_top + pad_bottom, "x", x[3] + pad_left + pad_right, "; input ", shape_str(x));
  return {x[0], w[0], oh, ow};
}

namespace checks {
void check_matmul(const Tensor& a, const Tensor& b) {
  STRATA_CHECK(a.dtype() == b.dtype(), "matmul: dtypes differ: ", dtype_name(a.dtype()), " and ",
               dtype_name(b.dtype()));
  STRATA_CHECK((a.dim() == 2 && b.dim() == 2) || (a.dim() == 3 && b.dim() == 3),
               "matmul: expected two rank-2 or two rank-3 tensors but got ", shape_str(a.shape()), " and ",
               shape_str(b.shape()));
  STRATA_CHECK(a.size(-1) == b.size(-2), "matmul: inner dimensions differ: ", shape_str(a.shape()), " x ",
               shape_str(b.shape()), " (", a.size(-1), " vs ", b.size(-2), ")");
  STRATA_CHECK(a.dim() == 2 || a.size(0) == b.size(0), "matmul: batch sizes differ: ", shape_str(a.shape()), " x ",
               shape_str(b.shape()));
}

void check_pool(const Tensor& x, const Pool2dGeometry& g) {
  STRATA_CHECK(x.dim() == 4, "pool2d: expected input [N,C,H,W] but got shape ", shape_str(x.shape()));
  STRATA_CHECK(g.kernel_h >= 1 && g.kernel_w >= 1 && g.stride_h >= 1 && g.stride_w >= 1,
               "pool2d: kernel and stride must be >= 1");
  STRATA_CHECK(g.out_h >= 1 && g.out_w >= 1, "pool2d: output would be empty for input ", shape_str(x.shape()),
               " with kernel ", g.kernel_h, "x", g.kernel_w);
}

void check_batch_norm(const Tensor& x, const Tensor& gamma, const char* op) {
  STRATA_CHECK(x.dim() >= 2, op, ": expected input [N,C,...] but got shape ", shape_str(x.shape()));
  STRATA_CHECK(gamma.dim() == 1 && gamma.size(0) == x.size(1), op, ": input has ", x.size(1),
               " channels but gamma has shape ", shape_str(gamma.shape()));
}
}  // namespace checks

}  // namespace strata::kernels
