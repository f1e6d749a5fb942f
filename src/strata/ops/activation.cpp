// Activations (through kernels::activation_*), PReLU, softmax and log-softmax.
#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::ops {

using kernels::Activation;

Variable activation(Activation kind, const Variable& x, double alpha) {
  const Tensor xv = x.value();
  return Variable(kernels::activation_forward(kind, xv, alpha), {x},
                  [kind, xv, alpha](std::vector<Variable>& in, const Tensor& g) {
                    in[0].accumulate_grad(kernels::activation_backward(kind, g, xv, alpha));
                  });
}

Variable relu(const Variable& x) { return activation(Activation::relu, x); }
Variable leaky_relu(const Variable& x, double slope) { return activation(Activation::leaky_relu, x, slope); }
Variable relu6(const Variable& x) { return activation(Activation::relu6, x); }
Variable elu(const Variable& x, double alpha) { return activation(Activation::elu, x, alpha); }
Variable selu(const Variable& x) { return activation(Activation::selu, x); }
Variable gelu(const Variable& x) { return activation(Activation::gelu, x); }
Variable silu(const Variable& x) { return activation(Activation::silu, x); }
Variable sigmoid(const Variable& x) { return activation(Activation::sigmoid, x); }
Variable tanh(const Variable& x) { return activation(Activation::tanh, x); }
Variable softplus(const Variable& x) { return activation(Activation::softplus, x); }
Variable hard_sigmoid(const Variable& x) { return activation(Activation::hard_sigmoid, x); }

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
