// Batch normalization (batch statistics and running averages in training, running
// statistics in inference) and layer normalization.
#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::ops {

Variable batch_norm(const Variable& x, const Variable& gamma, const Variable& beta, Tensor& running_mean,
                    Tensor& running_var, bool training, double momentum, double eps) {
  STRATA_CHECK(x.dim() >= 2, "batch_norm: expected input [N,C,...] but got shape ", shape_str(x.shape()));
  const std::int64_t C = x.size(1);
  for (const Tensor* t : std::initializer_list<const Tensor*>{&gamma.value(), &beta.value(), &running_mean, &running_var})
    STRATA_CHECK(t->dim() == 1 && t->size(0) == C, "batch_norm: input has ", C,
                 " channels but a parameter or running statistic has shape ", shape_str(t->shape()));
  const Tensor xv = x.value(), gv = gamma.value();
  Tensor y, mean, var;
  if (training) {
    const std::int64_t count = x.numel() / C;
    STRATA_CHECK(count > 1, "batch_norm: training needs more than one value per channel, got input shape ",
                 shape_str(x.shape()));
    auto f = kernels::batch_norm_training(xv, gv, beta.value(), eps);
    y = f.output;
    mean = f.mean;
    var = f.var;
    const Tensor unbiased = strata::mul(var, double(count) / double(count - 1));
    running_mean.copy_(strata::add(strata::mul(running_mean, 1.0 - momentum), strata::mul(mean, momentum)));
    running_var.copy_(strata::add(strata::mul(running_var, 1.0 - momentum), strata::mul(unbiased, momentum)));
  } else {
    mean = running_mean.clone();
    var = running_var.clone();
    y = kernels::batch_norm_inference(xv, gv, beta.value(), mean, var, eps);
  }
  return Variable(y, {x, gamma, beta}, [=](std::vector<Variable>& in, const Tensor& gy) {
    auto grads = kernels::batch_norm_backward(gy, xv, gv, mean, var, eps, training);
    in[0].accumulate_grad(grads.grad_x);
    in[1].accumulate_grad(grads.grad_gamma);
    in[2].accumulate_grad(grads.grad_beta);
  });
}

Variable layer_norm(const Variable& x, std::int64_t normalized_ndim, const Variable& gamma, const Variable& beta,
                    double eps) {
  STRATA_CHECK(normalized_ndim >= 1 && normalized_ndim < x.dim(), "layer_norm: cannot normalize the last ",
               normalized_ndim, " axes of an input of shape ", shape_str(x.shape()), " (the batch axis stays)");
  const Shape normalized(x.shape().end() - normalized_ndim, x.shape().end());
  for (const Variable* p : {&gamma, &beta})
    STRATA_CHECK(!p->defined() || p->shape() == normalized, "layer_norm: the normalized axes are ", shape_str(normalized),
                 " but a scale or shift has shape ", shape_str(p->shape()));
  const std::int64_t row_size = shape_numel(normalized);
  const Tensor xv = x.value(), gv = gamma.defined() ? gamma.value() : Tensor(), bv = beta.defined() ? beta.value() : Tensor();
  kernels::LayerNormForward f = kernels::layer_norm_forward(xv, row_size, gv, bv, eps);
  const Tensor y = f.output;
  f.output = Tensor();  // backward needs the statistics only
  std::vector<Variable> inputs{x};
  if (gamma.defined()) inputs.push_back(gamma);
  if (beta.defined()) inputs.push_back(beta);
  return Variable(y, inputs, [=](std::vector<Variable>& in, const Tensor& gy) {
    const auto grads = kernels::layer_norm_backward(gy, xv, row_size, gv, bv, f);
    in[0].accumulate_grad(grads.grad_x);
    std::size_t next = 1;
    if (gv.defined()) in[next++].accumulate_grad(grads.grad_gamma);
    if (bv.defined()) in[next].accumulate_grad(grads.grad_beta);
  });
}

}  // namespace strata::ops
