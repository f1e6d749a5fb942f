// ONNX import and export: Concat, Flatten, Reshape, Transpose, (Un)Squeeze, Pad, Identity, Dropout, Constant, Shape, Gather, Slice, ReduceMean, Cast.
#include "strata/interop/onnx/exporter.h"
#include "strata/interop/onnx/importer.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace strata::interop::onnx_importer {

void Importer::concat(const NodeProto& n) {
  std::vector<SymbolicTensor> parts;
  for (int i = 0; i < n.input_size(); ++i) parts.push_back(sym_in(n, i));
  const std::int64_t axis = full_axis(attr_int(n, "axis", 1), onnx_rank(in(n, 0)), "Concat");
  if (parts.size() == 1) return set_symbol(n, parts[0]);
  set_symbol(n, add_layer(n, std::make_shared<nn::Concatenate>(axis), parts));
}

void Importer::flatten(const NodeProto& n) {
  const Value& v = in(n, 0);
  const Shape shape = onnx_shape(v);
  std::int64_t axis = attr_int(n, "axis", 1);
  const auto rank = static_cast<std::int64_t>(shape.size());
  if (axis < 0) axis += rank;
  const SymbolicTensor x = sym_in(n, 0);
  if (leading_ && axis == 1 && rank > 2) return set_symbol(n, add_layer(n, std::make_shared<nn::Flatten>(), {x}));
  if (leading_ && axis == 0) unsupported("Flatten with axis 0 merges the batch axis");
  Shape target{1, 1};
  for (std::int64_t i = 0; i < rank; ++i) target[i < axis ? 0 : 1] *= shape[i];
  set_symbol(n, reshape_to(n, x, target));
}

void Importer::reshape(const NodeProto& n) {
  if (attr_int(n, "allowzero", 0) != 0) unsupported("attribute allowzero=1");
  const std::vector<std::int64_t> spec = has_input(n, 1) ? const_ints(n, 1, "the shape") : attr_ints(n, "shape");
  const Value& v = in(n, 0);
  const Shape in_shape = onnx_shape(v);
  Shape target;
  std::int64_t infer = -1, known = 1;
  for (std::size_t i = 0; i < spec.size(); ++i) {
    std::int64_t d = spec[i];
    if (d == 0) {
      if (i >= in_shape.size()) unsupported("shape entry 0 copies a dimension the input lacks");
      d = in_shape[i];
    }
    if (d == -1) {
      if (infer >= 0) unsupported("two -1 entries in the shape");
      infer = static_cast<std::int64_t>(i);
    } else {
      known *= d;
    }
    target.push_back(d);
  }
  if (infer >= 0) target[infer] = known == 0 ? 0 : shape_numel(in_shape) / known;
  if (shape_numel(target) != shape_numel(in_shape))
    unsupported("cannot reshape ", shape_str(in_shape), " to ", shape_str(Shape(spec.begin(), spec.end())));
  if (leading_ && !spec.empty() && spec[0] != 0 && target[0] != in_shape[0])
    unsupported("reshape changes the batch axis (", shape_str(in_shape), " to ", shape_str(target), ")");
  set_symbol(n, reshape_to(n, sym_in(n, 0), target));
}

void Importer::transpose(const NodeProto& n) {
  const std::int64_t rank = onnx_rank(in(n, 0));
  std::vector<std::int64_t> perm = attr_ints(n, "perm");
  if (perm.empty())
    for (std::int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
  if (static_cast<std::int64_t>(perm.size()) != rank) unsupported("perm has ", perm.size(), " entries for rank ", rank);
  std::vector<std::int64_t> dims;
  if (leading_) {
    if (perm[0] != 0) unsupported("perm moves the batch axis");
    dims.assign(perm.begin() + 1, perm.end());
  } else {
    for (auto p : perm) dims.push_back(p + 1);
  }
  const SymbolicTensor x = sym_in(n, 0);
  bool identity = true;
  for (std::size_t i = 0; i < dims.size(); ++i) identity = identity && dims[i] == static_cast<std::int64_t>(i) + 1;
  set_symbol(n, identity ? x : add_layer(n, std::make_shared<nn::Permute>(dims), {x}));
}

void Importer::squeeze(const NodeProto& n) {
  const bool unsqueeze = n.op_type() == "Unsqueeze";
  std::vector<std::int64_t> axes = has_input(n, 1) ? const_ints(n, 1, "axes") : attr_ints(n, "axes");
  const Shape shape = onnx_shape(in(n, 0));
  const auto out_rank = static_cast<std::int64_t>(shape.size() + (unsqueeze ? axes.size() : 0));
  Shape target;
  if (unsqueeze) {
    for (auto& a : axes) a = a < 0 ? a + out_rank : a;
    std::size_t k = 0;
    for (std::int64_t i = 0; i < out_rank; ++i)
      target.push_back(std::find(axes.begin(), axes.end(), i) != axes.end() ? 1 : shape[k++]);
    if (leading_ && std::find(axes.begin(), axes.end(), 0) != axes.end()) unsupported("Unsqueeze at the batch axis");
  } else {
    const auto rank = static_cast<std::int64_t>(shape.size());
    for (auto& a : axes) a = a < 0 ? a + rank : a;
    for (std::int64_t i = 0; i < rank; ++i) {
      const bool drop = axes.empty() ? shape[i] == 1 : std::find(axes.begin(), axes.end(), i) != axes.end();
      if (drop && shape[i] != 1) unsupported("Squeeze of axis ", i, " of size ", shape[i]);
      if (drop && leading_ && i == 0) unsupported("Squeeze of the batch axis");
      if (!drop) target.push_back(shape[i]);
    }
  }
  set_symbol(n, reshape_to(n, sym_in(n, 0), target));
}

void Importer::pad(const NodeProto& n) {
  const std::string mode = attr_string(n, "mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge") unsupported("attribute mode=", mode);
  const std::vector<std::int64_t> pads = has_input(n, 1) ? const_ints(n, 1, "pads") : attr_ints(n, "pads");
  double value = attr_float(n, "value", 0.0);
  if (has_input(n, 2)) value = const_in(n, 2, "constant_value").to(DType::f64).item();
  if (has_input(n, 3)) unsupported("the axes input");
  const auto rank = static_cast<std::size_t>(onnx_rank(in(n, 0)));
  if (pads.size() != 2 * rank) unsupported(pads.size(), " pads for rank ", rank);
  std::vector<std::array<std::int64_t, 2>> per_axis;
  for (std::size_t i = 0; i < rank; ++i) {
    if (pads[i] < 0 || pads[i + rank] < 0) unsupported("negative pads (cropping)");
    if (leading_ && i == 0) {
      if (pads[0] != 0 || pads[rank] != 0) unsupported("pads the batch axis");
      continue;
    }
    per_axis.push_back({pads[i], pads[i + rank]});
  }
  set_symbol(n, add_layer(n, std::make_shared<nn::Pad>(per_axis, mode, value), {sym_in(n, 0)}));
}

void Importer::identity(const NodeProto& n) { set_output(n, 0, in(n, 0)); }

void Importer::dropout(const NodeProto& n) {
  if (has_input(n, 2)) {
    const Tensor training = const_in(n, 2, "training_mode");
    if (training.to(DType::f64).item() != 0.0) unsupported("training_mode=true (random masks at inference)");
  }
  if (n.output_size() > 1 && !n.output(1).empty())
    values_[n.output(1)] = Value{Tensor(), SymbolicTensor(), "the mask output of Dropout is not supported"};
  const Value& x = in(n, 0);
  if (x.constant.defined() || folding_) return set_output(n, 0, x);
  double ratio = attr_float(n, "ratio", 0.5);
  if (has_input(n, 1)) ratio = const_in(n, 1, "ratio").to(DType::f64).item();
  set_symbol(n, add_layer(n, std::make_shared<nn::Dropout>(ratio), {sym_in(n, 0)}));
}

void Importer::constant(const NodeProto& n) {
  if (const auto* a = attr(n, "value")) return set_constant(n, tensor_from_onnx(a->t(), base_dir_));
  if (const auto* a = attr(n, "value_float")) return set_constant(n, Tensor::scalar(a->f()));
  if (const auto* a = attr(n, "value_int")) return set_constant(n, Tensor::scalar(static_cast<double>(a->i()), DType::i64));
  if (const auto* a = attr(n, "value_floats")) {
    std::vector<float> v(a->floats().begin(), a->floats().end());
    return set_constant(n, Tensor::from_vector(v, {static_cast<std::int64_t>(v.size())}));
  }
  if (const auto* a = attr(n, "value_ints")) {
    std::vector<std::int64_t> v(a->ints().begin(), a->ints().end());
    return set_constant(n, Tensor::from_vector(v, {static_cast<std::int64_t>(v.size())}));
  }
  unsupported("Constant without a value, value_float(s) or value_int(s) attribute");
}

void Importer::shape(const NodeProto& n) {
  const Value& v = in(n, 0);
  Shape s = onnx_shape(v);
  // The batch size is not known at import: 0 stands for it, which Reshape reads as "keep".
  if (leading_ && !v.constant.defined()) s[0] = 0;
  auto rank = static_cast<std::int64_t>(s.size());
  std::int64_t start = attr_int(n, "start", 0), end = attr_int(n, "end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<std::int64_t>(start, 0, rank);
  end = std::clamp<std::int64_t>(end, start, rank);
  std::vector<std::int64_t> out(s.begin() + start, s.begin() + end);
  set_constant(n, Tensor::from_vector(out, {static_cast<std::int64_t>(out.size())}));
}

void Importer::gather(const NodeProto& n) {
  const Value& data = in(n, 0);
  if (index_inputs_.count(n.input(1))) {  // token ids into a constant [V, D] table: an Embedding
    if (!data.constant.defined() || data.constant.dim() != 2 || attr_int(n, "axis", 0) != 0)
      unsupported("integer indices gather only rows (axis 0) of a constant 2-D table (an embedding)");
    const Tensor table = data.constant.to(DType::f32).contiguous();
    auto embedding = std::make_shared<nn::Embedding>(table.size(0), table.size(1));
    set_symbol(n, add_layer(n, embedding, {sym_in(n, 1)}, {{"embeddings", table}}));
    return;
  }
  const Tensor idx = const_in(n, 1, "indices").to(DType::i64).contiguous();
  std::int64_t axis = attr_int(n, "axis", 0);
  const std::int64_t rank = onnx_rank(data);
  if (axis < 0) axis += rank;
  if (!data.constant.defined()) {  // a network tensor: the Gather layer, with the indices fixed
    const std::int64_t full = full_axis(axis, rank, "Gather");
    set_symbol(n, add_layer(n, std::make_shared<nn::Gather>(full, idx.to_vector<std::int64_t>(), idx.shape()), {sym_in(n, 0)}));
    return;
  }
  const Tensor d = data.constant;
  std::vector<Tensor> picked;
  for (auto i : idx.to_vector<std::int64_t>()) {
    const std::int64_t k = i < 0 ? i + d.size(axis) : i;
    if (k < 0 || k >= d.size(axis)) unsupported("index ", i, " is out of range for axis size ", d.size(axis));
    picked.push_back(d.slice(axis, k, k + 1));
  }
  Shape out(d.shape().begin(), d.shape().begin() + axis);
  out.insert(out.end(), idx.shape().begin(), idx.shape().end());
  out.insert(out.end(), d.shape().begin() + axis + 1, d.shape().end());
  set_constant(n, picked.empty() ? Tensor::zeros(out, d.dtype()) : strata::concat(picked, axis).reshape(out));
}

void Importer::slice(const NodeProto& n) {
  std::vector<std::int64_t> starts, ends, axes, steps;
  if (opset_ < 10) {
    starts = attr_ints(n, "starts");
    ends = attr_ints(n, "ends");
    axes = attr_ints(n, "axes");
  } else {
    starts = const_ints(n, 1, "starts");
    ends = const_ints(n, 2, "ends");
    if (has_input(n, 3)) axes = const_ints(n, 3, "axes");
    if (has_input(n, 4)) steps = const_ints(n, 4, "steps");
  }
  const std::int64_t rank = onnx_rank(in(n, 0));
  if (axes.empty())
    for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (starts.size() != axes.size() || ends.size() != axes.size() || steps.size() != axes.size())
    unsupported("starts, ends, axes and steps differ in length");
  // Bounds beyond int32 (exporters write INT64_MAX for "to the end") are clamped; the layer
  // clamps them to the axis again.
  const std::int64_t big = std::numeric_limits<std::int32_t>::max();
  std::vector<std::int64_t> full, kept_starts, kept_ends, kept_steps;
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const std::int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
    // Slicing the whole batch axis is a no-op that exporters emit; anything else on it is refused.
    if (leading_ && a == 0 && starts[i] == 0 && ends[i] >= big && steps[i] == 1) continue;
    full.push_back(full_axis(a, rank, "Slice"));
    kept_starts.push_back(std::clamp<std::int64_t>(starts[i], -big, big));
    kept_ends.push_back(std::clamp<std::int64_t>(ends[i], -big, big));
    kept_steps.push_back(steps[i]);
  }
  set_symbol(n, add_layer(n, std::make_shared<nn::Slice>(full, kept_starts, kept_ends, kept_steps), {sym_in(n, 0)}));
}

void Importer::reduce_mean(const NodeProto& n) {
  const std::int64_t rank = onnx_rank(in(n, 0));
  std::vector<std::int64_t> axes = attr_ints(n, "axes");
  if (has_input(n, 1)) axes = const_ints(n, 1, "axes");
  if (attr_int(n, "noop_with_empty_axes", 0) != 0) unsupported("attribute noop_with_empty_axes=1");
  if (axes.empty())
    for (std::int64_t i = 0; i < rank; ++i) axes.push_back(i);
  std::vector<std::int64_t> full;
  for (auto a : axes) full.push_back(full_axis(a, rank, "ReduceMean"));
  set_symbol(n, add_layer(n, std::make_shared<nn::Reduce>("mean", full, attr_int(n, "keepdims", 1) != 0), {sym_in(n, 0)}));
}


void Importer::cast(const NodeProto& n) {
  const auto to = attr_int(n, "to", onnx::TensorProto::FLOAT);
  const Value& v = in(n, 0);
  const bool to_float = to == onnx::TensorProto::FLOAT || to == onnx::TensorProto::DOUBLE || to == onnx::TensorProto::FLOAT16;
  if (v.constant.defined()) {
    if (to_float) return set_constant(n, v.constant.to(DType::f32));
    if (v.constant.dtype() == DType::i64) return set_constant(n, v.constant);
    // float -> integer truncates toward zero, as ONNX's Cast
    std::vector<std::int64_t> out;
    for (double d : v.constant.to(DType::f64).contiguous().to_vector<double>()) out.push_back(static_cast<std::int64_t>(d));
    return set_constant(n, Tensor::from_vector(out, v.constant.shape()));
  }
  if (!to_float) {
    // Token ids that Strata feeds as numbers, cast for a Gather (Strata's own ONNX export of an
    // Embedding): the cast's output is an index value, read only by Gathers (import_node checks).
    if (to != onnx::TensorProto::INT64 && to != onnx::TensorProto::INT32) unsupported("Cast of a network tensor to an integer type other than int32/int64");
    index_inputs_.insert(n.output(0));
  }
  set_output(n, 0, v);
}

// ------------------------------------------------------------------ recurrent
// ONNX's LSTM/GRU/RNN as Strata's Recurrent layer: weights transposed to Keras' layout, LSTM
// gates reordered (ONNX i,o,f,c -> i,f,c,o), the two biases summed where the cell adds them
// (GRU keeps both with linear_before_reset = reset_after). Batch-first graphs (layout 1) map
// directly; time-major ones (layout 0) need the graph imported as one example, where the ONNX
// batch becomes an extra axis handled by TimeDistributed.

}  // namespace strata::interop::onnx_importer

// ---------------------------------------------------------------- export

namespace strata::interop::onnx_exporter {

std::string Exporter::export_shape_ops(const LayerCall& call) {
  const auto& [l, type, name, c, in, shapes] = call;
  const std::string& x = in.at(0);
  if (type == "Flatten") {
    auto& n = node("Flatten", {x}, name);
    attr(n, "axis", std::int64_t{1});
    return name;
  }
  if (type == "Reshape") {
    std::vector<std::int64_t> target{0};
    for (auto d : c.at("target_shape").get<std::vector<std::int64_t>>()) target.push_back(d);
    return node("Reshape", {x, ints_constant(name + "/shape", target)}, name).output(0);
  }
  if (type == "Dropout")
    return node("Dropout", {x, constant(name + "/ratio", Tensor::scalar(c.at("rate").get<double>()))}, name).output(0);
  if (type == "Concatenate") {
    auto& n = node("Concat", in, name);
    attr(n, "axis", c.value("axis", std::int64_t{1}));
    return name;
  }
  if (type.rfind("ZeroPadding", 0) == 0 || type.rfind("Cropping", 0) == 0) {
    // (begin, end) per spatial axis: ONNX's Pad with the batch and channel axes unpadded;
    // cropping is a Slice of the positions that remain.
    const bool pad = type.rfind("ZeroPadding", 0) == 0;
    const Json amounts = c.at(pad ? "padding" : "cropping");
    std::vector<std::array<std::int64_t, 2>> p;
    if (amounts.at(0).is_number()) p.push_back(amounts.get<std::array<std::int64_t, 2>>());  // 1-D: one pair
    else p = amounts.get<std::vector<std::array<std::int64_t, 2>>>();
    if (pad) {
      std::vector<std::int64_t> flat{0, 0};
      for (const auto& a : p) flat.push_back(a[0]);
      flat.insert(flat.end(), {0, 0});
      for (const auto& a : p) flat.push_back(a[1]);
      return node("Pad", {x, ints_constant(name + "/pads", flat)}, name).output(0);
    }
    std::vector<std::int64_t> starts, ends, axes;
    for (std::size_t i = 0; i < p.size(); ++i) {
      starts.push_back(p[i][0]);
      ends.push_back(shapes[0][i + 1] - p[i][1]);
      axes.push_back(static_cast<std::int64_t>(i) + 2);
    }
    return node("Slice", {x, ints_constant(name + "/starts", starts), ints_constant(name + "/ends", ends),
                          ints_constant(name + "/axes", axes)},
                name)
        .output(0);
  }
  if (type.rfind("SpatialDropout", 0) == 0) return node("Identity", {x}, name).output(0);  // inference
  if (type.rfind("UpSampling", 0) == 0) {
    std::vector<float> scales{1.0f, 1.0f};
    for (auto s : c.at("size").get<std::vector<std::int64_t>>()) scales.push_back(static_cast<float>(s));
    const bool nearest = c.value("interpolation", std::string("nearest")) == "nearest";
    const std::string roi = constant(name + "/roi", Tensor::zeros({0}));
    auto& n = node("Resize", {x, roi, constant(name + "/scales", Tensor::from_vector(scales, {static_cast<std::int64_t>(scales.size())}))}, name);
    attr(n, "mode", std::string(nearest ? "nearest" : "linear"));
    attr(n, "coordinate_transformation_mode", std::string(nearest ? "asymmetric" : "half_pixel"));
    if (nearest) attr(n, "nearest_mode", std::string("floor"));
    return name;
  }
  if (type == "Permute") {
    std::vector<std::int64_t> perm{0};
    for (auto d : c.at("dims").get<std::vector<std::int64_t>>()) perm.push_back(d);
    auto& n = node("Transpose", {x}, name);
    attr(n, "perm", perm);
    return name;
  }
  if (type == "Pad") {
    const auto pads = c.at("pads").get<std::vector<std::array<std::int64_t, 2>>>();
    std::vector<std::int64_t> flat{0};
    for (const auto& p : pads) flat.push_back(p[0]);
    flat.push_back(0);
    for (const auto& p : pads) flat.push_back(p[1]);
    auto& n = node("Pad", {x, ints_constant(name + "/pads", flat), constant(name + "/value", Tensor::scalar(c.value("value", 0.0)))}, name);
    attr(n, "mode", c.value("mode", std::string("constant")));
    return name;
  }
  if (type == "Reduce") {
    const std::string op = c.at("op");
    const auto axes = c.at("axes").get<std::vector<std::int64_t>>();
    if (op == "mean") {
      auto& n = node("ReduceMean", {x}, name);
      attr(n, "axes", axes);
      attr(n, "keepdims", std::int64_t{c.value("keepdims", false) ? 1 : 0});
    } else {
      auto& n = node("ReduceSum", {x, ints_constant(name + "/axes", axes)}, name);
      attr(n, "keepdims", std::int64_t{c.value("keepdims", false) ? 1 : 0});
    }
    return name;
  }
  if (type == "Slice") {
    using V = std::vector<std::int64_t>;
    return node("Slice", {x, ints_constant(name + "/starts", c.at("starts").get<V>()), ints_constant(name + "/ends", c.at("ends").get<V>()),
                          ints_constant(name + "/axes", c.at("axes").get<V>()), ints_constant(name + "/steps", c.at("steps").get<V>())},
                name).output(0);
  }
  if (type == "Gather") {
    const auto indices = c.at("indices").get<std::vector<std::int64_t>>();
    const Shape shape = c.at("indices_shape").get<Shape>();
    auto& n = node("Gather", {x, constant(name + "/indices", Tensor::from_vector(indices, shape))}, name);
    attr(n, "axis", c.at("axis").get<std::int64_t>());
    return name;
  }
  throw Unsupported("no ONNX export for this layer type");
}

}  // namespace strata::interop::onnx_exporter
