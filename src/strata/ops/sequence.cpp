// Sequence helpers: embedding lookup and reversal along an axis.
#include <cmath>
#include <cstring>

#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::ops {

Variable embedding(const Tensor& indices, const Variable& table) {
  STRATA_CHECK(table.dim() == 2, "embedding: expected a table [vocabulary, dimensions] but got ", shape_str(table.shape()));
  const std::int64_t V = table.size(0), D = table.size(1);
  const auto idx = indices.to(DType::f64).to_vector<double>();
  std::vector<std::int64_t> rows(idx.size());
  for (std::size_t i = 0; i < idx.size(); ++i) {
    const double v = idx[i];
    STRATA_CHECK(v == std::floor(v) && v >= 0 && v < double(V), "embedding: index ", v, " at position ", i,
                 " is outside the vocabulary [0, ", V, ")");
    rows[i] = static_cast<std::int64_t>(v);
  }
  Shape out_shape = indices.shape();
  out_shape.push_back(D);
  const Tensor out = gather_rows(table.value(), rows).reshape(out_shape);
  return Variable(out, {table}, [rows, V, D](std::vector<Variable>& in, const Tensor& g) {
    if (!in[0].requires_grad()) return;
    const Tensor gc = g.contiguous().reshape({static_cast<std::int64_t>(rows.size()), D});
    Tensor grad = Tensor::zeros({V, D}, gc.dtype());
    if (gc.dtype() == DType::f32) {
      const float* src = gc.data<float>();
      float* dst = grad.data<float>();
      for (std::size_t i = 0; i < rows.size(); ++i)
        for (std::int64_t d = 0; d < D; ++d) dst[rows[i] * D + d] += src[i * D + d];
    } else {
      const double* src = gc.data<double>();
      double* dst = grad.data<double>();
      for (std::size_t i = 0; i < rows.size(); ++i)
        for (std::int64_t d = 0; d < D; ++d) dst[rows[i] * D + d] += src[i * D + d];
    }
    in[0].accumulate_grad(grad);
  });
}

Variable reverse(const Variable& x, std::int64_t axis) {
  return Variable(strata::flip(x.value(), axis), {x}, [axis](std::vector<Variable>& in, const Tensor& g) {
    if (in[0].requires_grad()) in[0].accumulate_grad(strata::flip(g, axis));
  });
}

}  // namespace strata::ops
