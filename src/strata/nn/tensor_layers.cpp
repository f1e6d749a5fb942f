#include "strata/nn/tensor_layers.h"

#include <algorithm>
#include <cmath>

#include "strata/nn/layer_config.h"
#include "strata/nn/registry.h"
#include "strata/tensor/math.h"

namespace strata::nn {
namespace {

// NumPy broadcasting of two per-example shapes (aligned to the right).
Shape broadcast_shapes(const Shape& a, const Shape& b, const std::string& who) {
  Shape out(std::max(a.size(), b.size()), 1);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1, db = i < b.size() ? b[b.size() - 1 - i] : 1;
    STRATA_CHECK(da == db || da == 1 || db == 1, who, ": shapes ", shape_str(a), " and ", shape_str(b),
                 " do not broadcast");
    out[out.size() - 1 - i] = std::max(da, db);
  }
  return out;
}

// [N, s...] as [N, 1, ..., 1, s...] with `rank` non-batch axes.
Variable with_example_rank(const Variable& x, std::size_t rank) {
  const Shape& s = x.shape();
  if (s.size() - 1 >= rank) return x;
  Shape t{s[0]};
  t.insert(t.end(), rank - (s.size() - 1), 1);
  t.insert(t.end(), s.begin() + 1, s.end());
  return ops::reshape(x, t);
}

Variable apply_arithmetic(const std::string& op, const Variable& a, const Variable& b) {
  if (op == "add") return ops::add(a, b);
  if (op == "subtract") return ops::sub(a, b);
  if (op == "multiply") return ops::mul(a, b);
  return ops::div(a, b);
}

void check_arithmetic_op(const std::string& op, const std::string& who) {
  STRATA_CHECK(op == "add" || op == "subtract" || op == "multiply" || op == "divide", who,
               ": op must be add, subtract, multiply or divide, got \"", op, "\"");
}

void check_example_axis(std::int64_t axis, std::size_t rank, const std::string& who) {
  STRATA_CHECK(axis >= 1 && axis <= static_cast<std::int64_t>(rank), who, ": axis ", axis,
               " is not a non-batch axis of a tensor with ", rank, " non-batch axes");
}

}  // namespace

// ---------------------------------------------------------------- Permute
Permute::Permute(std::vector<std::int64_t> dims, std::string name) : Layer(std::move(name)), dims_(std::move(dims)) {
  std::vector<std::int64_t> sorted = dims_;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i)
    STRATA_CHECK(sorted[i] == static_cast<std::int64_t>(i) + 1, "Permute: dims must be a permutation of 1..",
                 sorted.size(), ", got ", shape_str(dims_));
}

Shape Permute::compute_output_shape(const std::vector<Shape>& in) const {
  STRATA_CHECK(in[0].size() == dims_.size(), "Permute '", name(), "': dims ", shape_str(dims_), " need ", dims_.size(),
               " non-batch axes but the input is ", shape_str(in[0]));
  Shape out;
  for (auto d : dims_) out.push_back(in[0][d - 1]);
  return out;
}

Variable Permute::forward(const std::vector<Variable>& in, bool) {
  std::vector<std::int64_t> order{0};
  order.insert(order.end(), dims_.begin(), dims_.end());
  return ops::permute(in[0], order);
}

LayerPtr Permute::from_config(const nlohmann::json& c) {
  return std::make_shared<Permute>(config::require<std::vector<std::int64_t>>(c, "dims"), config::name(c));
}

// ---------------------------------------------------------------- Arithmetic
Arithmetic::Arithmetic(std::string op, std::string name) : Layer(std::move(name)), op_(std::move(op)) {
  check_arithmetic_op(op_, "Arithmetic");
}

Shape Arithmetic::compute_output_shape(const std::vector<Shape>& in) const {
  return broadcast_shapes(in[0], in[1], "Arithmetic '" + name() + "'");
}

Variable Arithmetic::forward(const std::vector<Variable>& in, bool) {
  const std::size_t rank = std::max(in[0].dim(), in[1].dim()) - 1;
  return apply_arithmetic(op_, with_example_rank(in[0], rank), with_example_rank(in[1], rank));
}

LayerPtr Arithmetic::from_config(const nlohmann::json& c) {
  return std::make_shared<Arithmetic>(config::require<std::string>(c, "op"), config::name(c));
}

// ---------------------------------------------------------------- ConstantArithmetic
ConstantArithmetic::ConstantArithmetic(std::string op, Shape constant_shape, bool constant_first, std::string name)
    : Layer(std::move(name)), op_(std::move(op)), constant_shape_(std::move(constant_shape)), constant_first_(constant_first) {
  check_arithmetic_op(op_, "ConstantArithmetic");
}

Shape ConstantArithmetic::compute_output_shape(const std::vector<Shape>& in) const {
  // The constant broadcasts against the full tensor; a leading axis of size 1 may face the batch.
  Shape full{1};
  full.insert(full.end(), in[0].begin(), in[0].end());
  Shape out = broadcast_shapes(full, constant_shape_, "ConstantArithmetic '" + name() + "'");
  STRATA_CHECK(out.size() == full.size() && out[0] == 1, "ConstantArithmetic '", name(), "': the constant ",
               shape_str(constant_shape_), " has more axes than the input ", shape_str(in[0]), " with its batch axis");
  return Shape(out.begin() + 1, out.end());
}

void ConstantArithmetic::build(const std::vector<Shape>&) {
  constant_ = &add_weight("constant", constant_shape_, initializer("zeros"), false);
}

Variable ConstantArithmetic::forward(const std::vector<Variable>& in, bool) {
  return constant_first_ ? apply_arithmetic(op_, constant_->variable, in[0])
                         : apply_arithmetic(op_, in[0], constant_->variable);
}

void ConstantArithmetic::layer_config(nlohmann::json& c) const {
  c["op"] = op_;
  c["constant_shape"] = constant_shape_;
  c["constant_first"] = constant_first_;
}

LayerPtr ConstantArithmetic::from_config(const nlohmann::json& c) {
  return std::make_shared<ConstantArithmetic>(config::require<std::string>(c, "op"),
                                              config::require<Shape>(c, "constant_shape"),
                                              config::get(c, "constant_first", false), config::name(c));
}

// ---------------------------------------------------------------- Clip
Clip::Clip(double min_value, double max_value, std::string name) : Layer(std::move(name)), min_(min_value), max_(max_value) {
  STRATA_CHECK(min_ <= max_, "Clip: min_value ", min_, " is greater than max_value ", max_);
}

Variable Clip::forward(const std::vector<Variable>& in, bool) {
  if (min_ == 0.0 && max_ == 6.0) return ops::relu6(in[0]);  // oneDNN runs this one itself
  return ops::clip(in[0], min_, max_);
}

void Clip::layer_config(nlohmann::json& c) const {
  c["min_value"] = min_;
  c["max_value"] = max_;
}

LayerPtr Clip::from_config(const nlohmann::json& c) {
  return std::make_shared<Clip>(config::require<double>(c, "min_value"), config::require<double>(c, "max_value"),
                                config::name(c));
}

// ---------------------------------------------------------------- ParametricActivation
ParametricActivation::ParametricActivation(std::string function, double alpha, double beta, std::string name)
    : Layer(std::move(name)), function_(std::move(function)), alpha_(alpha), beta_(beta) {
  STRATA_CHECK(function_ == "hard_sigmoid" || function_ == "hard_swish" || function_ == "selu",
               "ParametricActivation: function must be hard_sigmoid, hard_swish or selu, got \"", function_, "\"");
}

Variable ParametricActivation::forward(const std::vector<Variable>& in, bool) {
  const Variable& x = in[0];
  if (function_ == "hard_sigmoid") return ops::clip(ops::add_scalar(ops::mul_scalar(x, alpha_), beta_), 0.0, 1.0);
  if (function_ == "hard_swish") return ops::mul(x, ops::clip(ops::add_scalar(ops::mul_scalar(x, 1.0 / 6), 0.5), 0.0, 1.0));
  return ops::mul_scalar(ops::elu(x, alpha_), beta_);
}

void ParametricActivation::layer_config(nlohmann::json& c) const {
  c["function"] = function_;
  c["alpha"] = alpha_;
  c["beta"] = beta_;
}

LayerPtr ParametricActivation::from_config(const nlohmann::json& c) {
  return std::make_shared<ParametricActivation>(config::require<std::string>(c, "function"),
                                                config::require<double>(c, "alpha"), config::require<double>(c, "beta"),
                                                config::name(c));
}

// ---------------------------------------------------------------- MatMul
Shape MatMul::compute_output_shape(const std::vector<Shape>& in) const {
  const Shape &a = in[0], &b = in[1];
  STRATA_CHECK(a.size() >= 2 && b.size() >= 2, "MatMul '", name(), "': inputs need two non-batch axes, got ",
               shape_str(a), " and ", shape_str(b));
  STRATA_CHECK(a.back() == b[b.size() - 2], "MatMul '", name(), "': ", shape_str(a), " times ", shape_str(b),
               ": inner sizes differ");
  Shape out = broadcast_shapes(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2), "MatMul '" + name() + "'");
  out.push_back(a[a.size() - 2]);
  out.push_back(b.back());
  return out;
}

Variable MatMul::forward(const std::vector<Variable>& in, bool) {
  const std::size_t rank = std::max(in[0].dim(), in[1].dim()) - 1;
  Variable a = with_example_rank(in[0], rank), b = with_example_rank(in[1], rank);
  // Broadcast the leading axes (batch included) by adding zeros, then one batched product.
  Shape lead;
  for (std::size_t i = 0; i + 2 < a.shape().size(); ++i) lead.push_back(std::max(a.size(i), b.size(i)));
  auto expand = [&](const Variable& v) {
    Shape target = lead;
    target.push_back(v.size(-2));
    target.push_back(v.size(-1));
    return v.shape() == target ? v : ops::add(v, Variable(Tensor::zeros(target, v.dtype())));
  };
  a = expand(a);
  b = expand(b);
  const std::int64_t batch = shape_numel(lead), m = a.size(-2), k = a.size(-1), n = b.size(-1);
  Variable y = ops::matmul(ops::reshape(a, {batch, m, k}), ops::reshape(b, {batch, k, n}));
  Shape out = lead;
  out.push_back(m);
  out.push_back(n);
  return ops::reshape(y, out);
}

LayerPtr MatMul::from_config(const nlohmann::json& c) { return std::make_shared<MatMul>(config::name(c)); }

// ---------------------------------------------------------------- Pad
Pad::Pad(std::vector<std::array<std::int64_t, 2>> pads, std::string mode, double value, std::string name)
    : Layer(std::move(name)), pads_(std::move(pads)), mode_(std::move(mode)), value_(value) {
  STRATA_CHECK(mode_ == "constant" || mode_ == "reflect" || mode_ == "edge",
               "Pad: mode must be constant, reflect or edge, got \"", mode_, "\"");
  for (const auto& p : pads_) STRATA_CHECK(p[0] >= 0 && p[1] >= 0, "Pad: pads must be >= 0 (cropping is not supported)");
}

Shape Pad::compute_output_shape(const std::vector<Shape>& in) const {
  STRATA_CHECK(pads_.size() == in[0].size(), "Pad '", name(), "': ", pads_.size(), " pads for input ",
               shape_str(in[0]), " (one per non-batch axis expected)");
  Shape out = in[0];
  for (std::size_t i = 0; i < out.size(); ++i) {
    STRATA_CHECK(mode_ != "reflect" || (pads_[i][0] < out[i] && pads_[i][1] < out[i]), "Pad '", name(),
                 "': reflect padding must be smaller than the axis (", out[i], ")");
    STRATA_CHECK(mode_ != "edge" || out[i] > 0 || pads_[i][0] + pads_[i][1] == 0, "Pad '", name(),
                 "': edge padding of an empty axis");
    out[i] += pads_[i][0] + pads_[i][1];
  }
  return out;
}

Variable Pad::forward(const std::vector<Variable>& in, bool) {
  if (mode_ == "constant") {
    std::vector<std::array<std::int64_t, 2>> full{{0, 0}};
    full.insert(full.end(), pads_.begin(), pads_.end());
    return ops::pad(in[0], full, value_);
  }
  Variable x = in[0];
  for (std::size_t i = 0; i < pads_.size(); ++i) {
    const auto axis = static_cast<std::int64_t>(i) + 1;
    const std::int64_t n = x.size(axis), before = pads_[i][0], after = pads_[i][1];
    if (before == 0 && after == 0) continue;
    std::vector<Variable> parts;
    if (mode_ == "reflect") {
      if (before > 0) parts.push_back(ops::reverse(ops::slice(x, axis, 1, before + 1), axis));
      parts.push_back(x);
      if (after > 0) parts.push_back(ops::reverse(ops::slice(x, axis, n - 1 - after, n - 1), axis));
    } else {
      const Variable first = ops::slice(x, axis, 0, 1), last = ops::slice(x, axis, n - 1, n);
      for (std::int64_t k = 0; k < before; ++k) parts.push_back(first);
      parts.push_back(x);
      for (std::int64_t k = 0; k < after; ++k) parts.push_back(last);
    }
    x = ops::concat(parts, axis);
  }
  return x;
}

void Pad::layer_config(nlohmann::json& c) const {
  c["pads"] = pads_;
  c["mode"] = mode_;
  c["value"] = value_;
}

LayerPtr Pad::from_config(const nlohmann::json& c) {
  return std::make_shared<Pad>(config::require<std::vector<std::array<std::int64_t, 2>>>(c, "pads"),
                               config::get<std::string>(c, "mode", default_mode), config::get(c, "value", 0.0),
                               config::name(c));
}

// ---------------------------------------------------------------- Reduce
Reduce::Reduce(std::string op, std::vector<std::int64_t> axes, bool keepdims, std::string name)
    : Layer(std::move(name)), op_(std::move(op)), axes_(std::move(axes)), keepdims_(keepdims) {
  STRATA_CHECK(op_ == "mean" || op_ == "sum", "Reduce: op must be mean or sum, got \"", op_, "\"");
  STRATA_CHECK(!axes_.empty(), "Reduce: no axes given");
  std::sort(axes_.begin(), axes_.end());
}

Shape Reduce::compute_output_shape(const std::vector<Shape>& in) const {
  Shape out;
  for (std::size_t i = 0; i < in[0].size(); ++i) {
    const auto axis = static_cast<std::int64_t>(i) + 1;
    if (std::find(axes_.begin(), axes_.end(), axis) == axes_.end())
      out.push_back(in[0][i]);
    else if (keepdims_)
      out.push_back(1);
  }
  for (auto a : axes_) check_example_axis(a, in[0].size(), "Reduce '" + name() + "'");
  return out;
}

Variable Reduce::forward(const std::vector<Variable>& in, bool) {
  return op_ == "mean" ? ops::mean(in[0], axes_, keepdims_) : ops::sum(in[0], axes_, keepdims_);
}

void Reduce::layer_config(nlohmann::json& c) const {
  c["op"] = op_;
  c["axes"] = axes_;
  c["keepdims"] = keepdims_;
}

LayerPtr Reduce::from_config(const nlohmann::json& c) {
  return std::make_shared<Reduce>(config::require<std::string>(c, "op"),
                                  config::require<std::vector<std::int64_t>>(c, "axes"), config::get(c, "keepdims", false),
                                  config::name(c));
}

// ---------------------------------------------------------------- Slice
Slice::Slice(std::vector<std::int64_t> axes, std::vector<std::int64_t> starts, std::vector<std::int64_t> ends,
             std::vector<std::int64_t> steps, std::string name)
    : Layer(std::move(name)), axes_(std::move(axes)), starts_(std::move(starts)), ends_(std::move(ends)), steps_(std::move(steps)) {
  if (steps_.empty()) steps_.assign(axes_.size(), 1);
  STRATA_CHECK(starts_.size() == axes_.size() && ends_.size() == axes_.size() && steps_.size() == axes_.size(),
               "Slice: axes, starts, ends and steps must have the same length");
  for (auto s : steps_) STRATA_CHECK(s != 0, "Slice: a step of 0");
}

Slice::Range Slice::resolve(std::int64_t i, std::int64_t size) const {
  std::int64_t start = starts_[i], stop = ends_[i];
  const std::int64_t step = steps_[i];
  if (start < 0) start += size;
  if (stop < 0) stop += size;
  if (step > 0) {
    start = std::clamp<std::int64_t>(start, 0, size);
    stop = std::clamp<std::int64_t>(stop, 0, size);
  } else {
    start = std::clamp<std::int64_t>(start, -1, size - 1);
    stop = std::clamp<std::int64_t>(stop, -1, size - 1);
  }
  return {start, stop, step};
}

Shape Slice::compute_output_shape(const std::vector<Shape>& in) const {
  Shape out = in[0];
  for (std::size_t i = 0; i < axes_.size(); ++i) {
    check_example_axis(axes_[i], in[0].size(), "Slice '" + name() + "'");
    const Range r = resolve(static_cast<std::int64_t>(i), in[0][axes_[i] - 1]);
    const std::int64_t span = r.step > 0 ? r.stop - r.start : r.start - r.stop, step = std::abs(r.step);
    out[axes_[i] - 1] = span <= 0 ? 0 : (span + step - 1) / step;
  }
  return out;
}

Variable Slice::forward(const std::vector<Variable>& in, bool) {
  Variable x = in[0];
  for (std::size_t i = 0; i < axes_.size(); ++i) {
    const std::int64_t axis = axes_[i], size = x.size(axis);
    const Range r = resolve(static_cast<std::int64_t>(i), size);
    if (r.step > 0) {
      x = ops::slice(x, axis, r.start, std::max(r.start, r.stop), r.step);
    } else {  // reverse, then slice forwards: index j of the reversed axis is size-1-j
      const std::int64_t start = size - 1 - r.start, stop = size - 1 - r.stop;
      x = ops::slice(ops::reverse(x, axis), axis, start, std::max(start, stop), -r.step);
    }
  }
  return x;
}

void Slice::layer_config(nlohmann::json& c) const {
  c["axes"] = axes_;
  c["starts"] = starts_;
  c["ends"] = ends_;
  c["steps"] = steps_;
}

LayerPtr Slice::from_config(const nlohmann::json& c) {
  using Indices = std::vector<std::int64_t>;
  return std::make_shared<Slice>(config::require<Indices>(c, "axes"), config::require<Indices>(c, "starts"),
                                 config::require<Indices>(c, "ends"), config::require<Indices>(c, "steps"),
                                 config::name(c));
}

// ---------------------------------------------------------------- Gather
Gather::Gather(std::int64_t axis, std::vector<std::int64_t> indices, Shape indices_shape, std::string name)
    : Layer(std::move(name)), axis_(axis), indices_(std::move(indices)), indices_shape_(std::move(indices_shape)) {
  STRATA_CHECK(shape_numel(indices_shape_) == static_cast<std::int64_t>(indices_.size()), "Gather: ", indices_.size(),
               " indices for indices shape ", shape_str(indices_shape_));
}

Shape Gather::compute_output_shape(const std::vector<Shape>& in) const {
  check_example_axis(axis_, in[0].size(), "Gather '" + name() + "'");
  const std::int64_t size = in[0][axis_ - 1];
  for (auto i : indices_)
    STRATA_CHECK(i >= -size && i < size, "Gather '", name(), "': index ", i, " is out of range for an axis of ", size);
  Shape out(in[0].begin(), in[0].begin() + (axis_ - 1));
  out.insert(out.end(), indices_shape_.begin(), indices_shape_.end());
  out.insert(out.end(), in[0].begin() + axis_, in[0].end());
  return out;
}

Variable Gather::forward(const std::vector<Variable>& in, bool) {
  const std::int64_t size = in[0].size(axis_);
  std::vector<Variable> parts;
  for (auto i : indices_) {
    const std::int64_t k = i < 0 ? i + size : i;
    parts.push_back(ops::slice(in[0], axis_, k, k + 1));
  }
  Shape out{in[0].size(0)};
  const Shape example = compute_output_shape({Shape(in[0].shape().begin() + 1, in[0].shape().end())});
  out.insert(out.end(), example.begin(), example.end());
  return ops::reshape(parts.size() == 1 ? parts[0] : ops::concat(parts, axis_), out);
}

void Gather::layer_config(nlohmann::json& c) const {
  c["axis"] = axis_;
  c["indices"] = indices_;
  c["indices_shape"] = indices_shape_;
}

LayerPtr Gather::from_config(const nlohmann::json& c) {
  return std::make_shared<Gather>(config::require<std::int64_t>(c, "axis"),
                                  config::require<std::vector<std::int64_t>>(c, "indices"),
                                  config::require<Shape>(c, "indices_shape"), config::name(c));
}

// ---------------------------------------------------------------- Resize
Resize::Resize(ResizeOptions options) : Layer(options.name_), o_(std::move(options)) {
  STRATA_CHECK(o_.mode_ == "nearest" || o_.mode_ == "linear", "Resize: mode must be nearest or linear, got \"",
               o_.mode_, "\"");
  const auto& t = o_.coordinate_transformation_mode_;
  STRATA_CHECK(t == "half_pixel" || t == "pytorch_half_pixel" || t == "align_corners" || t == "asymmetric" ||
                   t == "tf_half_pixel_for_nn",
               "Resize: coordinate_transformation_mode \"", t, "\" is not supported");
  const auto& n = o_.nearest_mode_;
  STRATA_CHECK(n == "round_prefer_floor" || n == "round_prefer_ceil" || n == "floor" || n == "ceil",
               "Resize: nearest_mode \"", n, "\" is not supported");
  STRATA_CHECK(o_.scales_.empty() != o_.sizes_.empty(), "Resize: give either scales or sizes");
  for (double s : o_.scales_) STRATA_CHECK(s > 0, "Resize: scales must be positive");
}

Shape Resize::compute_output_shape(const std::vector<Shape>& in) const {
  const std::size_t n = o_.sizes_.empty() ? o_.scales_.size() : o_.sizes_.size();
  STRATA_CHECK(n == in[0].size(), "Resize '", name(), "': ", n, " scales/sizes for input ", shape_str(in[0]),
               " (one per non-batch axis expected)");
  if (!o_.sizes_.empty()) return o_.sizes_;
  Shape out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(static_cast<std::int64_t>(std::floor(static_cast<double>(in[0][i]) * o_.scales_[i] + 1e-9)));
  return out;
}

Tensor Resize::interpolation_matrix(std::int64_t in, std::int64_t out, double scale, DType dtype) const {
  std::vector<double> m(static_cast<std::size_t>(out * in), 0.0);
  const auto& t = o_.coordinate_transformation_mode_;
  for (std::int64_t o = 0; o < out; ++o) {
    double x;
    if (t == "half_pixel")
      x = (o + 0.5) / scale - 0.5;
    else if (t == "pytorch_half_pixel")
      x = out > 1 ? (o + 0.5) / scale - 0.5 : 0.0;
    else if (t == "align_corners") {
      // ONNX measures the resized length as in*scale, before rounding down to `out`.
      const double resized = scale * static_cast<double>(in);
      x = resized > 1.0 ? static_cast<double>(o) * (in - 1) / (resized - 1) : 0.0;
    }
    else if (t == "asymmetric")
      x = o / scale;
    else
      x = (o + 0.5) / scale;
    auto clamp = [in](std::int64_t i) { return std::clamp<std::int64_t>(i, 0, in - 1); };
    double* row = m.data() + o * in;
    if (o_.mode_ == "linear") {
      const double f = std::floor(x), w = x - f;
      const auto i0 = static_cast<std::int64_t>(f);
      row[clamp(i0)] += 1.0 - w;
      row[clamp(i0 + 1)] += w;
    } else {
      const auto& r = o_.nearest_mode_;
      const double f = std::floor(x);
      const bool half = x - f == 0.5;
      double pick;
      if (r == "floor") pick = f;
      else if (r == "ceil") pick = std::ceil(x);
      else if (half) pick = r == "round_prefer_floor" ? f : f + 1;
      else pick = std::round(x);
      row[clamp(static_cast<std::int64_t>(pick))] = 1.0;
    }
  }
  return Tensor::from_vector(m, {out, in}).to(dtype);
}

double Resize::scale_of(std::size_t axis, std::int64_t in, std::int64_t out) const {
  return o_.sizes_.empty() ? o_.scales_[axis] : static_cast<double>(out) / static_cast<double>(in);
}

const Tensor& Resize::weights_for(std::size_t axis, std::int64_t in, std::int64_t out, DType dtype) {
  std::lock_guard<std::mutex> lock(weights_mutex_);
  const auto key = std::make_tuple(axis, in, out, dtype);
  auto it = weights_.find(key);
  if (it == weights_.end())
    it = weights_.emplace(key, interpolation_matrix(in, out, scale_of(axis, in, out), dtype).t().contiguous()).first;
  return it->second;
}

Variable Resize::forward(const std::vector<Variable>& in, bool) {
  Variable x = in[0];
  const Shape example(x.shape().begin() + 1, x.shape().end());
  const Shape target = compute_output_shape({example});
  for (std::size_t i = 0; i < example.size(); ++i) {
    const std::int64_t n_in = example[i], n_out = target[i];
    if (n_in == n_out && scale_of(i, n_in, n_out) == 1.0) continue;
    // Resample axis i+1: move it last, multiply by the [in, out] weights, move it back.
    const auto axis = static_cast<std::int64_t>(i) + 1, last = x.dim() - 1;
    std::vector<std::int64_t> order(static_cast<std::size_t>(x.dim()));
    for (std::int64_t k = 0; k < x.dim(); ++k) order[k] = k;
    std::swap(order[axis], order[last]);
    Variable moved = axis == last ? x : ops::permute(x, order);
    Shape moved_shape = moved.shape();
    const Tensor& weights = weights_for(i, n_in, n_out, x.dtype());
    Variable y = ops::matmul(ops::reshape(moved, {-1, n_in}), Variable(weights));
    moved_shape.back() = n_out;
    y = ops::reshape(y, moved_shape);
    x = axis == last ? y : ops::permute(y, order);
  }
  return x;
}

void Resize::layer_config(nlohmann::json& c) const {
  config::write_fields(o_, c);
  if (o_.scales_.empty()) c.erase("scales");
  if (o_.sizes_.empty()) c.erase("sizes");
}
LayerPtr Resize::from_config(const nlohmann::json& c) {
  ResizeOptions o;
  config::read_fields(c, o);
  return std::make_shared<Resize>(o.name(config::name(c)));
}

// ---------------------------------------------------------------- registration
namespace {
const LayerRegistrar permute_registrar("Permute", Permute::from_config);
const LayerRegistrar arithmetic_registrar("Arithmetic", Arithmetic::from_config);
const LayerRegistrar constant_arithmetic_registrar("ConstantArithmetic", ConstantArithmetic::from_config);
const LayerRegistrar clip_registrar("Clip", Clip::from_config);
const LayerRegistrar parametric_activation_registrar("ParametricActivation", ParametricActivation::from_config);
const LayerRegistrar matmul_registrar("MatMul", MatMul::from_config);
const LayerRegistrar pad_registrar("Pad", Pad::from_config);
const LayerRegistrar reduce_registrar("Reduce", Reduce::from_config);
const LayerRegistrar slice_registrar("Slice", Slice::from_config);
const LayerRegistrar gather_registrar("Gather", Gather::from_config);
const LayerRegistrar resize_registrar("Resize", Resize::from_config);
}  // namespace

}  // namespace strata::nn
