// Scaled dot-product attention: two products (kernels::matmul) around the fused, masked
// softmax of kernels/attention.cpp. Beyond its inputs and output it keeps the weights
// [B, T, S] and a byte per weight for dropout; the dropped weights and the gradients of the
// scores are temporaries of one product each.
#include <cmath>
#include <memory>

#include "strata/ops/ops.h"

namespace strata::ops {

Attention scaled_dot_product_attention(const Variable& q, const Variable& k, const Variable& v,
                                       const AttentionOptions& o) {
  STRATA_CHECK(q.dim() == 3 && k.dim() == 3 && v.dim() == 3,
               "attention: expected query [B, T, D], key [B, S, D] and value [B, S, Dv] but got ", shape_str(q.shape()),
               ", ", shape_str(k.shape()), " and ", shape_str(v.shape()));
  STRATA_CHECK(q.size(0) == k.size(0) && k.size(0) == v.size(0), "attention: batch sizes differ: query ",
               shape_str(q.shape()), ", key ", shape_str(k.shape()), ", value ", shape_str(v.shape()));
  STRATA_CHECK(q.size(2) == k.size(2), "attention: query and key depths differ: ", shape_str(q.shape()), " and ",
               shape_str(k.shape()));
  STRATA_CHECK(k.size(1) == v.size(1), "attention: key and value lengths differ: ", shape_str(k.shape()), " and ",
               shape_str(v.shape()));
  STRATA_CHECK(q.dtype() == k.dtype() && k.dtype() == v.dtype(), "attention: dtypes differ");
  STRATA_CHECK(o.scale >= 0.0 && std::isfinite(o.scale), "attention: scale must be positive (or 0 for 1/sqrt(depth)), got ",
               o.scale);
  const double scale = o.scale > 0.0 ? o.scale : 1.0 / std::sqrt(static_cast<double>(q.size(2)));
  const Tensor qv = q.value(), kv = k.value(), vv = v.value();

  Tensor weights = kernels::matmul(qv, kv.transpose(1, 2)).contiguous();
  const auto f = std::make_shared<const kernels::AttentionSoftmax>(kernels::attention_softmax_forward(
      weights, o.mask, o.causal, scale, o.training ? o.dropout : 0.0, o.generator));
  const Tensor out = kernels::matmul(kernels::attention_dropped(weights, *f), vv);

  // The gradients of q and k (in[0], in[1]) from the one of the scores Q K^T.
  const auto to_query_and_key = [qv, kv](std::vector<Variable>& in, const Tensor& grad_scores) {
    if (in[0].requires_grad()) in[0].accumulate_grad(kernels::matmul(grad_scores, kv));
    if (in[1].requires_grad()) in[1].accumulate_grad(kernels::matmul(grad_scores.transpose(1, 2), qv));
  };
  Attention result;
  result.output = Variable(out, {q, k, v}, [=](std::vector<Variable>& in, const Tensor& g) {
    if (in[2].requires_grad())
      in[2].accumulate_grad(kernels::matmul(kernels::attention_dropped(weights, *f).transpose(1, 2), g));
    if (!in[0].requires_grad() && !in[1].requires_grad()) return;
    Tensor grad_scores = kernels::matmul(g, vv.transpose(1, 2)).contiguous();
    kernels::attention_softmax_backward(grad_scores, weights, *f, scale);
    to_query_and_key(in, grad_scores);
  });
  result.weights = Variable(weights, {q, k}, [=](std::vector<Variable>& in, const Tensor& g) {
    Tensor grad_scores = g.clone();
    kernels::attention_softmax_backward(grad_scores, weights, kernels::AttentionSoftmax{}, scale);
    to_query_and_key(in, grad_scores);
  });
  return result;
}

}  // namespace strata::ops
