// Shape manipulation: views and copies whose gradients route values back to their source.
#include <numeric>

#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::ops {

Variable reshape(const Variable& a, const Shape& shape) {
  const Shape in_shape = a.shape();
  return Variable(a.value().reshape(shape), {a}, [in_shape](std::vector<Variable>& in, const Tensor& g) {
    in[0].accumulate_grad(g.reshape(in_shape));
  });
}

Variable flatten(const Variable& a, std::int64_t start_axis) {
  const Tensor flat = a.value().flatten(start_axis);
  return reshape(a, flat.shape());
}

Variable permute(const Variable& a, const std::vector<std::int64_t>& order) {
  std::vector<std::int64_t> inverse(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) inverse[normalize_axis(order[i], a.dim(), "permute")] = i;
  return Variable(a.value().permute(order).contiguous(), {a}, [inverse](std::vector<Variable>& in, const Tensor& g) {
    in[0].accumulate_grad(g.permute(inverse).contiguous());
  });
}

Variable transpose(const Variable& a, std::int64_t axis_a, std::int64_t axis_b) {
  std::vector<std::int64_t> order(a.dim());
  std::iota(order.begin(), order.end(), 0);
  std::swap(order[normalize_axis(axis_a, a.dim(), "transpose")], order[normalize_axis(axis_b, a.dim(), "transpose")]);
  return permute(a, order);
}

Variable slice(const Variable& a, std::int64_t axis, std::int64_t start, std::int64_t stop, std::int64_t step) {
  const Shape in_shape = a.shape();
  const DType dtype = a.dtype();
  return Variable(a.value().slice(axis, start, stop, step).contiguous(), {a},
                  [=](std::vector<Variable>& in, const Tensor& g) {
                    Tensor full = Tensor::zeros(in_shape, dtype);
                    full.slice(axis, start, stop, step).copy_(g);
                    in[0].accumulate_grad(full);
                  });
}

Variable concat(const std::vector<Variable>& parts, std::int64_t axis) {
  STRATA_CHECK(!parts.empty(), "concat: no tensors given");
  axis = normalize_axis(axis, parts.front().dim(), "concat");
  std::vector<Tensor> values;
  std::vector<std::int64_t> offsets;
  std::int64_t offset = 0;
  for (const auto& p : parts) {
    values.push_back(p.value());
    offsets.push_back(offset);
    offset += p.dim() > axis ? p.size(axis) : 0;
  }
  const Tensor out = strata::concat(values, axis);
  return Variable(out, parts, [axis, offsets](std::vector<Variable>& in, const Tensor& g) {
    for (std::size_t i = 0; i < in.size(); ++i)
      if (in[i].requires_grad())
        in[i].accumulate_grad(g.slice(axis, offsets[i], offsets[i] + in[i].size(axis)).contiguous());
  });
}

std::vector<Variable> split(const Variable& a, const std::vector<std::int64_t>& sizes, std::int64_t axis) {
  axis = normalize_axis(axis, a.dim(), "split");
  const std::int64_t total = std::accumulate(sizes.begin(), sizes.end(), std::int64_t{0});
  STRATA_CHECK(total == a.size(axis), "split: sizes add up to ", total, " but axis ", axis, " has length ", a.size(axis),
               " in shape ", shape_str(a.shape()));
  std::vector<Variable> out;
  std::int64_t start = 0;
  for (auto s : sizes) {
    out.push_back(slice(a, axis, start, start + s));
    start += s;
  }
  return out;
}

Variable pad(const Variable& a, const std::vector<std::array<std::int64_t, 2>>& pads, double value) {
  STRATA_CHECK(static_cast<std::int64_t>(pads.size()) <= a.dim(), "pad: ", pads.size(), " padding pairs for a tensor of rank ",
               a.dim());
  const std::int64_t lead = a.dim() - static_cast<std::int64_t>(pads.size());
  Shape out_shape = a.shape();
  for (std::size_t i = 0; i < pads.size(); ++i) {
    STRATA_CHECK(pads[i][0] >= 0 && pads[i][1] >= 0, "pad: padding must be >= 0, got {", pads[i][0], ",", pads[i][1], "}");
    out_shape[lead + i] += pads[i][0] + pads[i][1];
  }
  // The interior region of the output, as a view: the input goes there, the gradient comes from there.
  auto interior = [lead, pads](const Tensor& t, const Shape& in_shape) {
    Tensor v = t;
    for (std::size_t i = 0; i < pads.size(); ++i)
      v = v.slice(lead + i, pads[i][0], pads[i][0] + in_shape[lead + i]);
    return v;
  };
  Tensor out = Tensor::full(out_shape, value, a.dtype());
  interior(out, a.shape()).copy_(a.value());
  const Shape in_shape = a.shape();
  return Variable(out, {a}, [interior, in_shape](std::vector<Variable>& in, const Tensor& g) {
    in[0].accumulate_grad(interior(g, in_shape).contiguous());
  });
}

}  // namespace strata::ops
