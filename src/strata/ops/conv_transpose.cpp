// Transposed convolution as the adjoint of conv2d: its forward pass is conv2d's backward-data
// kernel, its input gradient is conv2d's forward kernel and its weight gradient is conv2d's
// weight gradient with the roles of input and output swapped, so every backend that runs
// conv2d (oneDNN, the reference loops) runs it too.
#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::ops {

Variable conv_transpose2d(const Variable& x, const Variable& weight, const Variable& bias,
                          const kernels::Conv2dGeometry& g, std::int64_t out_h, std::int64_t out_w) {
  STRATA_CHECK(x.dim() == 4, "conv_transpose2d: expected input [N,C,H,W] but got shape ", shape_str(x.shape()));
  STRATA_CHECK(weight.dim() == 4 && weight.size(0) == x.size(1), "conv_transpose2d: expected weight [", x.size(1),
               ", C_out/groups, KH, KW] for an input of ", x.size(1), " channels but got ", shape_str(weight.shape()));
  const Shape out{x.size(0), weight.size(1) * g.groups, out_h, out_w};
  // The conv2d this one is the adjoint of maps `out` back to x's shape exactly.
  STRATA_CHECK(g.output_shape(out, weight.shape()) == x.shape(), "conv_transpose2d: an output of ", shape_str(out),
               " does not map back to the input ", shape_str(x.shape()), " under the convolution's geometry");
  STRATA_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == out[1]), "conv_transpose2d: expected bias [",
               out[1], "] but got ", shape_str(bias.shape()));
  const Tensor xv = x.value(), wv = weight.value();
  Tensor y = kernels::conv2d_backward_data(xv, wv, out, g);
  if (bias.defined()) y = strata::add(y, bias.value().reshape({out[1], 1, 1}));
  std::vector<Variable> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  return Variable(y, inputs, [xv, wv, g](std::vector<Variable>& in, const Tensor& gy) {
    if (in[0].requires_grad()) in[0].accumulate_grad(kernels::conv2d_forward(gy, wv, Tensor(), g));
    if (in[1].requires_grad()) in[1].accumulate_grad(kernels::conv2d_backward_weights(gy, xv, wv.shape(), g, false).first);
    if (in.size() > 2 && in[2].requires_grad()) in[2].accumulate_grad(strata::sum(gy, {0, 2, 3}));
  });
}

}  // namespace strata::ops
