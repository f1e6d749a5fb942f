// Activations (through kernels::activation_*), PReLU, clip, softmax and log-softmax.
#include <algorithm>

#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::ops {

using kernels::ActivationKind;

Variable activation(ActivationKind kind, const Variable& x, double alpha) {
  const Tensor xv = x.value();
  return Variable(kernels::activation_forward(kind, xv, alpha), {x},
                  [kind, xv, alpha](std::vector<Variable>& in, const Tensor& g) {
                    in[0].accumulate_grad(kernels::activation_backward(kind, g, xv, alpha));
                  });
}

Variable relu(const Variable& x) { return activation(ActivationKind::relu, x); }
Variable leaky_relu(const Variable& x, double slope) { return activation(ActivationKind::leaky_relu, x, slope); }
Variable relu6(const Variable& x) { return activation(ActivationKind::relu6, x); }
Variable elu(const Variable& x, double alpha) { return activation(ActivationKind::elu, x, alpha); }
Variable selu(const Variable& x) { return activation(ActivationKind::selu, x); }
Variable gelu(const Variable& x) { return activation(ActivationKind::gelu, x); }
Variable silu(const Variable& x) { return activation(ActivationKind::silu, x); }
Variable sigmoid(const Variable& x) { return activation(ActivationKind::sigmoid, x); }
Variable tanh(const Variable& x) { return activation(ActivationKind::tanh, x); }
Variable softplus(const Variable& x) { return activation(ActivationKind::softplus, x); }
Variable hard_sigmoid(const Variable& x) { return activation(ActivationKind::hard_sigmoid, x); }

namespace {
template <class T>
void clip_loop(const Tensor& x, Tensor& y, Tensor& pass, double lo, double hi) {
  const T* in = x.data<T>();
  T* out = y.data<T>();
  T* mask = pass.data<T>();
  const T l = static_cast<T>(lo), h = static_cast<T>(hi);
  for (std::int64_t i = 0, n = x.numel(); i < n; ++i) {
    out[i] = std::min(std::max(in[i], l), h);
    mask[i] = in[i] >= l && in[i] <= h ? T(1) : T(0);
  }
}
}  // namespace

Variable clip(const Variable& x, double lo, double hi) {
  STRATA_CHECK(lo <= hi, "clip: min ", lo, " is greater than max ", hi);
  const Tensor xv = x.value().contiguous();
  Tensor y = Tensor::empty(xv.shape(), xv.dtype()), pass = Tensor::empty(xv.shape(), xv.dtype());
  if (xv.dtype() == DType::f32)
    clip_loop<float>(xv, y, pass, lo, hi);
  else
    clip_loop<double>(xv, y, pass, lo, hi);
  return Variable(y, {x}, [pass](std::vector<Variable>& in, const Tensor& g) { in[0].accumulate_grad(g * pass); });
}

Variable prelu(const Variable& x, const Variable& alpha) {
  // Broadcast alpha against x: [C] applies per channel (axis 1), otherwise NumPy rules
  // against x without its batch axis.
  Shape alpha_shape = alpha.shape();
  if (alpha.dim() == 1 && x.dim() >= 2 && alpha.size(0) == x.size(1) && alpha.size(0) != 1) {
    alpha_shape = Shape(x.dim() - 1, 1);
    alpha_shape[0] = alpha.size(0);
  }
  const Variable a = alpha.shape() == alpha_shape ? alpha : reshape(alpha, alpha_shape);
  STRATA_CHECK(static_cast<std::int64_t>(a.dim()) < x.dim() + 1, "prelu: alpha of shape ", shape_str(alpha.shape()),
               " does not fit input ", shape_str(x.shape()));
  broadcast_shapes(x.shape(), a.shape(), "prelu");
  // prelu(x) = relu(x) - alpha * relu(-x)
  return sub(relu(x), mul(a, relu(neg(x))));
}

Variable softmax(const Variable& x, std::int64_t axis) {
  const Tensor y = kernels::softmax_forward(x.value(), axis, false);
  return Variable(y, {x}, [y, axis](std::vector<Variable>& in, const Tensor& g) {
    in[0].accumulate_grad(kernels::softmax_backward(g, y, axis, false));
  });
}

Variable log_softmax(const Variable& x, std::int64_t axis) {
  const Tensor y = kernels::softmax_forward(x.value(), axis, true);
  return Variable(y, {x}, [y, axis](std::vector<Variable>& in, const Tensor& g) {
    in[0].accumulate_grad(kernels::softmax_backward(g, y, axis, true));
  });
}

}  // namespace strata::ops
