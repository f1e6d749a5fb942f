// Max and average pooling of spatial rank 1 to 3 (padding, "same", ceil mode, dilation), and
// global pooling over every spatial axis.
#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::ops {

void PoolWindow::check(const std::string& op) const {
  const std::size_t rank = kernel.size();
  STRATA_CHECK(rank >= 1 && rank <= 3, op, ": pool_size needs 1 to 3 entries, got ", rank);
  STRATA_CHECK(stride.empty() || stride.size() == rank, op, ": strides need ", rank, " entries, got ", stride.size());
  STRATA_CHECK(dilation.empty() || dilation.size() == rank, op, ": dilation needs ", rank, " entries, got ",
               dilation.size());
  for (std::size_t i = 0; i < rank; ++i) {
    STRATA_CHECK(kernel[i] >= 1, op, ": pool_size must be >= 1, got ", shape_str(kernel));
    STRATA_CHECK(stride.empty() || stride[i] >= 1, op, ": strides must be >= 1, got ", shape_str(stride));
    STRATA_CHECK(dilation.empty() || dilation[i] >= 1, op, ": dilation must be >= 1, got ", shape_str(dilation));
  }
  STRATA_CHECK(padding == "valid" || padding == "same" || padding == "explicit", op,
               ": padding must be \"valid\", \"same\" or \"explicit\", got \"", padding, "\"");
  if (padding != "explicit") return;
  STRATA_CHECK(pads.size() == rank, op, ": explicit padding needs ", rank, " (begin, end) pairs, got ", pads.size());
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t dilated = (kernel[i] - 1) * (dilation.empty() ? 1 : dilation[i]) + 1;
    STRATA_CHECK(pads[i][0] >= 0 && pads[i][1] >= 0 && pads[i][0] < dilated && pads[i][1] < dilated, op,
                 ": padding (", pads[i][0], ", ", pads[i][1], ") of axis ", i, " must be >= 0 and smaller than the ",
                 "(dilated) pool size ", dilated);
  }
}

kernels::PoolNdGeometry PoolWindow::resolve(const Shape& x, kernels::PoolKind kind) const {
  const std::size_t rank = kernel.size();
  STRATA_CHECK(x.size() == rank + 2, "pool", rank, "d: expected input [N,C,", rank, " spatial sizes] but got shape ",
               shape_str(x));
  kernels::PoolNdGeometry g;
  g.kind = kind;
  g.kernel = kernel;
  g.stride = stride.empty() ? kernel : stride;
  g.dilation = dilation.empty() ? Shape(rank, 1) : dilation;
  g.count_include_pad = count_include_pad && padding != "same";
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t in = x[i + 2], s = g.stride[i], k = (kernel[i] - 1) * g.dilation[i] + 1;
    if (padding == "same") {  // TensorFlow: out = ceil(in / s), padding split with the extra at the end
      const auto p = same_padding(in, kernel[i], s, g.dilation[i]);
      g.pad_begin.push_back(p[0]);
      g.pad_end.push_back(p[1]);
      g.out.push_back((in + s - 1) / s);
      continue;
    }
    const std::int64_t begin = padding == "explicit" ? pads[i][0] : 0, end = padding == "explicit" ? pads[i][1] : 0;
    const std::int64_t span = in + begin + end - k;
    STRATA_CHECK(span >= 0, "pool", rank, "d: pool size ", kernel[i], " (dilated ", k,
                 ") is larger than the padded input ", in + begin + end, "; input ", shape_str(x));
    std::int64_t out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
    if (ceil_mode && (out - 1) * s >= in + begin) --out;  // PyTorch: the last window must start inside
    g.pad_begin.push_back(begin);
    g.pad_end.push_back(end);
    g.out.push_back(out);
  }
  return g;
}

Variable pool(const Variable& x, const kernels::PoolNdGeometry& g) {
  const Tensor xv = x.value();
  auto forward = std::make_shared<kernels::PoolForward>(kernels::pool_forward(xv, g));
  const Tensor y = forward->output;
  return Variable(y, {x}, [xv, g, forward](std::vector<Variable>& in, const Tensor& gy) {
    in[0].accumulate_grad(kernels::pool_backward(gy, xv, *forward, g));
  });
}

Variable max_pool(const Variable& x, const PoolWindow& window) {
  window.check("max_pool");
  return pool(x, window.resolve(x.shape(), kernels::PoolKind::max));
}
Variable avg_pool(const Variable& x, const PoolWindow& window) {
  window.check("avg_pool");
  return pool(x, window.resolve(x.shape(), kernels::PoolKind::avg));
}

Variable global_pool(const Variable& x, kernels::PoolKind kind, bool keepdim) {
  STRATA_CHECK(x.dim() >= 3 && x.dim() <= 5, "global pooling: expected input [N,C,*spatial] with 1 to 3 spatial axes ",
               "but got shape ", shape_str(x.shape()));
  std::vector<std::int64_t> spatial;
  for (std::int64_t a = 2; a < x.dim(); ++a) spatial.push_back(a);
  if (kind == kernels::PoolKind::avg) return mean(x, spatial, keepdim);
  kernels::PoolNdGeometry g;
  g.kind = kind;
  g.kernel = g.stride = Shape(x.shape().begin() + 2, x.shape().end());
  const std::size_t rank = g.kernel.size();
  g.dilation = g.out = Shape(rank, 1);
  g.pad_begin = g.pad_end = Shape(rank, 0);
  const Variable y = pool(x, g);
  return keepdim ? y : reshape(y, {x.size(0), x.size(1)});
}

}  // namespace strata::ops
