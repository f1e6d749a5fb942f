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
Tensor conv_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvNdGeometry& g) {
  STRATA_DISPATCH(x, conv_forward(x, w, bias, g));
}
Tensor conv2d_inference(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dGeometry& g,
                        const ConvEpilogue& epilogue) {
  STRATA_DISPATCH(x, conv2d_inference(x, w, bias, g, epilogue));
}
Tensor conv_backward_data(const Tensor& gy, const Tensor& w, const Shape& x_shape, const ConvNdGeometry& g) {
  STRATA_DISPATCH(gy, conv_backward_data(gy, w, x_shape, g));
}
std::pair<Tensor, Tensor> conv_backward_weights(const Tensor& x, const Tensor& gy, const Shape& w_shape,
                                                const ConvNdGeometry& g, bool with_bias) {
  STRATA_DISPATCH(x, conv_backward_weights(x, gy, w_shape, g, with_bias));
}
ConvGrads conv_backward(const Tensor& gy, const Tensor& x, const Tensor& w, const ConvNdGeometry& g, bool want_x,
                        bool want_w, bool want_bias) {
  STRATA_DISPATCH(x, conv_backward(gy, x, w, g, want_x, want_w, want_bias));
}
PoolForward pool_forward(const Tensor& x, const PoolNdGeometry& g) { STRATA_DISPATCH(x, pool_forward(x, g)); }
Tensor pool_backward(const Tensor& gy, const Tensor& x, const PoolForward& f, const PoolNdGeometry& g) {
  // The workspace is backend-private: a forward pass from one backend needs its own backward.
  STRATA_DISPATCH(x, pool_backward(gy, x, f, g));
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

// ---------------------------------------------------------------- the 2-D forms
Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dGeometry& g) {
  return conv_forward(x, w, bias, g.nd());
}
Tensor conv2d_backward_data(const Tensor& gy, const Tensor& w, const Shape& x_shape, const Conv2dGeometry& g) {
  return conv_backward_data(gy, w, x_shape, g.nd());
}
std::pair<Tensor, Tensor> conv2d_backward_weights(const Tensor& x, const Tensor& gy, const Shape& w_shape,
                                                  const Conv2dGeometry& g, bool with_bias) {
  return conv_backward_weights(x, gy, w_shape, g.nd(), with_bias);
}
Conv2dGrads conv2d_backward(const Tensor& gy, const Tensor& x, const Tensor& w, const Conv2dGeometry& g, bool want_x,
                            bool want_w, bool want_bias) {
  return conv_backward(gy, x, w, g.nd(), want_x, want_w, want_bias);
}
PoolForward pool2d_forward(const Tensor& x, const Pool2dGeometry& g) { return pool_forward(x, g.nd()); }
Tensor pool2d_backward(const Tensor& gy, const Tensor& x, const PoolForward& f, const Pool2dGeometry& g) {
  return pool_backward(gy, x, f, g.nd());
}

ConvNdGeometry Conv2dGeometry::nd() const {
  return {{stride_h, stride_w}, {dilation_h, dilation_w}, {pad_top, pad_left}, {pad_bottom, pad_right}, groups};
}
Shape Conv2dGeometry::output_shape(const Shape& x, const Shape& w) const {
  STRATA_CHECK(x.size() == 4, "conv2d: expected input [N,C,H,W] but got shape ", shape_str(x));
  return nd().output_shape(x, w);
}
PoolNdGeometry Pool2dGeometry::nd() const {
  return {kind,       {kernel_h, kernel_w}, {stride_h, stride_w}, {1, 1}, {pad_top, pad_left}, {pad_bottom, pad_right},
          {out_h, out_w}, count_include_pad};
}

// ---------------------------------------------------------------- shared validation
namespace {
const char* const kSpatialNames[] = {"[N,C,L]", "[N,C,H,W]", "[N,C,D,H,W]"};
std::string conv_name(std::size_t rank) { return "conv" + std::to_string(rank) + "d"; }
}  // namespace

Shape ConvNdGeometry::output_shape(const Shape& x, const Shape& w) const {
  const std::size_t r = rank();
  STRATA_CHECK(r >= 1 && r <= 3 && dilation.size() == r && pad_begin.size() == r && pad_end.size() == r,
               "convolution: geometry must give stride, dilation and both paddings for 1 to 3 spatial axes, got ",
               stride.size(), ", ", dilation.size(), ", ", pad_begin.size(), ", ", pad_end.size());
  const std::string op = conv_name(r);
  STRATA_CHECK(x.size() == r + 2, op, ": expected input ", kSpatialNames[r - 1], " but got shape ", shape_str(x));
  STRATA_CHECK(w.size() == r + 2, op, ": expected weight [O,C/groups,", r, " kernel sizes] but got shape ",
               shape_str(w));
  STRATA_CHECK(groups >= 1 && x[1] % groups == 0 && w[0] % groups == 0, op, ": groups=", groups,
               " must divide input channels (", x[1], ") and output channels (", w[0], ")");
  STRATA_CHECK(x[1] / groups == w[1], op, ": input has ", x[1], " channels but weight expects ", w[1] * groups,
               "; input ", shape_str(x), ", weight ", shape_str(w), ", groups ", groups);
  Shape y{x[0], w[0]};
  for (std::size_t i = 0; i < r; ++i) {
    STRATA_CHECK(stride[i] >= 1 && dilation[i] >= 1, op, ": stride and dilation must be >= 1");
    STRATA_CHECK(pad_begin[i] >= 0 && pad_end[i] >= 0, op, ": padding must be >= 0");
    const std::int64_t padded = x[i + 2] + pad_begin[i] + pad_end[i], dilated = (w[i + 2] - 1) * dilation[i] + 1;
    STRATA_CHECK(padded >= dilated, op, ": kernel ", shape_str(Shape(w.begin() + 2, w.end())), " along axis ", i + 2,
                 " (dilated ", dilated, ") is larger than the padded input ", padded, "; input ", shape_str(x));
    y.push_back((padded - dilated) / stride[i] + 1);
  }
  return y;
}

void PoolNdGeometry::check(const Shape& x) const {
  const std::size_t r = rank();
  STRATA_CHECK(r >= 1 && r <= 3 && stride.size() == r && dilation.size() == r && pad_begin.size() == r &&
                   pad_end.size() == r && out.size() == r,
               "pooling: geometry must give kernel, stride, dilation, paddings and output sizes for 1 to 3 spatial "
               "axes");
  const std::string op = "pool" + std::to_string(r) + "d";
  STRATA_CHECK(x.size() == r + 2, op, ": expected input ", kSpatialNames[r - 1], " but got shape ", shape_str(x));
  for (std::size_t i = 0; i < r; ++i) {
    STRATA_CHECK(kernel[i] >= 1 && stride[i] >= 1 && dilation[i] >= 1, op,
                 ": kernel, stride and dilation must be >= 1");
    STRATA_CHECK(out[i] >= 1, op, ": output would be empty for input ", shape_str(x), " with kernel ",
                 shape_str(kernel));
  }
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

void check_batch_norm(const Tensor& x, const Tensor& gamma, const char* op) {
  STRATA_CHECK(x.dim() >= 2, op, ": expected input [N,C,...] but got shape ", shape_str(x.shape()));
  STRATA_CHECK(gamma.dim() == 1 && gamma.size(0) == x.size(1), op, ": input has ", x.size(1),
               " channels but gamma has shape ", shape_str(gamma.shape()));
}
}  // namespace checks

}  // namespace strata::kernels
