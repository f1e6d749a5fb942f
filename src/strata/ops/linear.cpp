// Matrix products. d(A B)/dA = G B^T and d(A B)/dB = A^T G, both computed with transposed
// views that the oneDNN matmul reads without copying.
#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::ops {

Variable matmul(const Variable& a, const Variable& b) {
  const Tensor av = a.value(), bv = b.value();
  return Variable(kernels::matmul(av, bv), {a, b}, [av, bv](std::vector<Variable>& in, const Tensor& g) {
    const std::int64_t r = av.dim();
    if (in[0].requires_grad()) in[0].accumulate_grad(kernels::matmul(g, bv.transpose(r - 2, r - 1)));
    if (in[1].requires_grad()) in[1].accumulate_grad(kernels::matmul(av.transpose(r - 2, r - 1), g));
  });
}

Variable linear(const Variable& x, const Variable& kernel, const Variable& bias) {
  STRATA_CHECK(x.dim() == 2 && kernel.dim() == 2, "linear: expected x [N,in] and kernel [in,out] but got ",
               shape_str(x.shape()), " and ", shape_str(kernel.shape()));
  STRATA_CHECK(x.size(1) == kernel.size(0), "linear: input has ", x.size(1), " features but kernel expects ",
               kernel.size(0), "; x ", shape_str(x.shape()), ", kernel ", shape_str(kernel.shape()));
  const Variable y = matmul(x, kernel);
  if (!bias.defined()) return y;
  STRATA_CHECK(bias.dim() == 1 && bias.size(0) == kernel.size(1), "linear: bias has shape ", shape_str(bias.shape()),
               " but the layer has ", kernel.size(1), " outputs");
  return add(y, bias);
}

}  // namespace strata::ops
