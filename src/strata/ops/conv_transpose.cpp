// Transposed convolution (any spatial rank 1 to 3) as the adjoint of convolution: its forward
// pass is the convolution's backward-data kernel, its input gradient is the convolution's
// forward kernel and its weight gradient is the convolution's weight gradient with the roles
// of input and output swapped, so every backend that runs convolution (oneDNN, the reference
// loops) runs it too.
#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::ops {

Variable conv_transpose(const Variable& x, const Variable& weight, const Variable& bias,
                        const kernels::ConvNdGeometry& g, const Shape& out_spatial) {
  const auto rank = static_cast<std::int64_t>(g.rank());
  STRATA_CHECK(x.dim() == rank + 2 && static_cast<std::int64_t>(out_spatial.size()) == rank, "conv_transpose: expected input [N,C,", rank,
               " spatial sizes] and ", rank, " output sizes but got input ", shape_str(x.shape()), " and sizes ",
               shape_str(out_spatial));
  STRATA_CHECK(weight.dim() == rank + 2 && weight.size(0) == x.size(1), "conv_transpose: expected weight [", x.size(1),
               ", C_out/groups, ", rank, " kernel sizes] for an input of ", x.size(1), " channels but got ",
               shape_str(weight.shape()));
  Shape out{x.size(0), weight.size(1) * g.groups};
  out.insert(out.end(), out_spatial.begin(), out_spatial.end());
  // The convolution this one is the adjoint of maps `out` back to x's shape exactly.
  STRATA_CHECK(g.output_shape(out, weight.shape()) == x.shape(), "conv_transpose: an output of ", shape_str(out),
               " does not map back to the input ", shape_str(x.shape()), " under the convolution's geometry");
  STRATA_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == out[1]), "conv_transpose: expected bias [",
               out[1], "] but got ", shape_str(bias.shape()));
  const Tensor xv = x.value(), wv = weight.value();
  Tensor y = kernels::conv_backward_data(xv, wv, out, g);
  Shape per_channel(static_cast<std::size_t>(rank) + 1, 1);
  per_channel[0] = out[1];
  if (bias.defined()) y = strata::add(y, bias.value().reshape(per_channel));
  std::vector<Variable> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  return Variable(y, inputs, [xv, wv, g](std::vector<Variable>& in, const Tensor& gy) {
    if (in[0].requires_grad()) in[0].accumulate_grad(kernels::conv_forward(gy, wv, Tensor(), g));
    if (in[1].requires_grad()) in[1].accumulate_grad(kernels::conv_backward_weights(gy, xv, wv.shape(), g, false).first);
    if (in.size() > 2 && in[2].requires_grad()) {
      std::vector<std::int64_t> reduce{0};
      for (std::int64_t a = 2; a < gy.dim(); ++a) reduce.push_back(a);
      in[2].accumulate_grad(strata::sum(gy, reduce));
    }
  });
}

}  // namespace strata::ops
