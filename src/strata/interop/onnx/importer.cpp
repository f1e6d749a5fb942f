// ONNX import (see onnx_import.h and onnx/importer.h): the importer's core — values,
// attributes, shapes, add_layer, the op table, the run loop — and the public calls.
#include "strata/interop/onnx/importer.h"
#include "strata/interop/onnx/fusion.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

namespace strata::interop {
namespace onnx_importer {

// ------------------------------------------------------------------ values and attributes
const Value& Importer::value(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) unsupported("input '", name, "' is not produced by any node, input or initializer");
  if (!it->second.unavailable.empty()) unsupported("uses '", name, "': ", it->second.unavailable);
  return it->second;
}

const Value& Importer::in(const NodeProto& n, int i) const {
  if (!has_input(n, i)) unsupported("input ", i, " is missing");
  return value(n.input(i));
}

Tensor Importer::const_in(const NodeProto& n, int i, const char* what) const {
  const Value& v = in(n, i);
  if (!v.constant.defined())
    unsupported(what, " (input '", n.input(i), "') must be a constant (an initializer or foldable to one)");
  return v.constant;
}

std::vector<std::int64_t> Importer::const_ints(const NodeProto& n, int i, const char* what) const {
  const Tensor t = const_in(n, i, what);
  return t.dtype() == DType::i64 ? t.to_vector<std::int64_t>() : t.to(DType::i64).to_vector<std::int64_t>();
}

SymbolicTensor Importer::sym_in(const NodeProto& n, int i) {
  const Value& v = in(n, i);
  if (v.symbol.defined()) return v.symbol;
  if (!folding_) unsupported("input '", n.input(i), "' is a constant where Strata needs a network tensor");
  // Folding: a temporary input stands in for the constant (one example, no batch axis).
  Tensor c = v.constant.dtype() == DType::f32 ? v.constant : v.constant.to(DType::f32);
  SymbolicTensor s = nn::Input(c.shape(), layer_name(n, "_fold_input"));
  fold_inputs_.emplace_back(s, c);
  return s;
}

const onnx::AttributeProto* Importer::attr(const NodeProto& n, const std::string& name) const {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}
std::int64_t Importer::attr_int(const NodeProto& n, const std::string& name, std::int64_t def) const {
  const auto* a = attr(n, name);
  return a ? a->i() : def;
}
double Importer::attr_float(const NodeProto& n, const std::string& name, double def) const {
  const auto* a = attr(n, name);
  return a ? a->f() : def;
}
std::vector<std::int64_t> Importer::attr_ints(const NodeProto& n, const std::string& name, std::vector<std::int64_t> def) const {
  const auto* a = attr(n, name);
  if (!a) return def;
  // A default gives the layout (one value per spatial axis, or begin and end pads): the file
  // must give as many, or later indexing would read past the values.
  STRATA_CHECK(def.empty() || static_cast<std::size_t>(a->ints_size()) == def.size(), "attribute '", name, "' has ",
               a->ints_size(), " values; expected ", def.size());
  return std::vector<std::int64_t>(a->ints().begin(), a->ints().end());
}
std::vector<double> Importer::attr_floats(const NodeProto& n, const std::string& name) const {
  const auto* a = attr(n, name);
  return a ? std::vector<double>(a->floats().begin(), a->floats().end()) : std::vector<double>{};
}
std::string Importer::attr_string(const NodeProto& n, const std::string& name, const std::string& def) const {
  const auto* a = attr(n, name);
  return a ? a->s() : def;
}

// ------------------------------------------------------------------ shapes and axes
Shape Importer::onnx_shape(const Value& v) const {
  if (v.constant.defined()) return v.constant.shape();
  Shape s = v.symbol.shape();
  if (leading_) s.insert(s.begin(), declared_batch_);
  return s;
}

std::int64_t Importer::full_axis(std::int64_t axis, std::int64_t rank, const char* what) const {
  if (axis < -rank || axis >= rank) unsupported(what, " axis ", axis, " is out of range for rank ", rank);
  if (axis < 0) axis += rank;
  if (leading_) {
    if (axis == 0) unsupported(what, " acts on ONNX axis 0, the batch axis");
    return axis;
  }
  return axis + 1;
}

Shape Importer::example_shape(const Shape& onnx, const char* what) const {
  if (!leading_) return onnx;
  if (onnx.empty()) unsupported(what, " would produce a tensor without the batch axis");
  return Shape(onnx.begin() + 1, onnx.end());
}

// ------------------------------------------------------------------ layers
std::string Importer::layer_name(const NodeProto& n, const std::string& suffix) {
  std::string base = sanitize(n.name().empty() ? (n.output_size() ? n.output(0) : n.op_type()) : n.name());
  if (base.empty()) base = sanitize(n.op_type());
  base += suffix;
  std::string name = base;
  for (int k = 1; used_names_.count(name); ++k) name = base + "_" + std::to_string(k);
  used_names_.insert(name);
  return name;
}

SymbolicTensor Importer::add_layer(const NodeProto& n, const nn::LayerPtr& layer, const std::vector<SymbolicTensor>& inputs,
                                   const std::map<std::string, Tensor>& weights, const std::string& suffix) {
  layer->set_name(layer_name(n, suffix));
  SymbolicTensor out = (*layer)(inputs);
  std::size_t matched = 0;
  for (nn::Weight* w : layer->weights()) {
    const auto it = weights.find(w->name);
    if (it == weights.end()) continue;
    STRATA_CHECK(it->second.shape() == w->variable.shape(), "ONNX import: ", layer->type(), " '", layer->name(), "' ",
                 w->name, " has shape ", shape_str(w->variable.shape()), " but the file gives ", shape_str(it->second.shape()));
    w->variable.mutable_value().copy_(it->second);
    ++matched;
  }
  STRATA_CHECK(matched == weights.size(), "ONNX import: ", layer->type(), " '", layer->name(), "' did not take all its weights");
  return out;
}

SymbolicTensor Importer::reshape_to(const NodeProto& n, const SymbolicTensor& x, const Shape& onnx_target,
                                    const std::string& suffix) {
  const Shape target = example_shape(onnx_target, n.op_type().c_str());
  if (target == x.shape()) return x;
  if (shape_numel(target) != shape_numel(x.shape()))
    unsupported("reshapes ", shape_str(x.shape()), " to ", shape_str(target), " per example (the batch axis would change)");
  return add_layer(n, std::make_shared<nn::Reshape>(target), {x}, {}, suffix);
}

// ------------------------------------------------------------------ convolution and pooling

const std::map<std::string, Importer::OpSpec>& Importer::ops() {
  static const std::map<std::string, OpSpec> table = {
      {"Conv", {&Importer::conv, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}}},
      {"ConvTranspose", {&Importer::conv_transpose, {"auto_pad", "dilations", "group", "kernel_shape", "output_padding",
                                                     "output_shape", "pads", "strides"}}},
      {"MaxPool", {&Importer::pool, {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"}}},
      {"AveragePool", {&Importer::pool, {"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"}}},
      {"GlobalAveragePool", {&Importer::global_pool, {}}},
      {"GlobalMaxPool", {&Importer::global_pool, {}}},
      {"BatchNormalization", {&Importer::batch_norm, {"epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs"}}},
      {"LayerNormalization", {&Importer::layer_norm, {"axis", "epsilon", "stash_type"}}},
      {"InstanceNormalization", {&Importer::instance_norm, {"epsilon"}}},
      {"Relu", {&Importer::activation, {}}},
      {"Sigmoid", {&Importer::activation, {}}},
      {"Tanh", {&Importer::activation, {}}},
      {"Softplus", {&Importer::activation, {}}},
      {"Gelu", {&Importer::activation, {"approximate"}}},
      {"LeakyRelu", {&Importer::activation, {"alpha"}}},
      {"Elu", {&Importer::activation, {"alpha"}}},
      {"Selu", {&Importer::activation, {"alpha", "gamma"}}},
      {"HardSigmoid", {&Importer::activation, {"alpha", "beta"}}},
      {"HardSwish", {&Importer::activation, {}}},
      {"PRelu", {&Importer::prelu, {}}},
      {"Clip", {&Importer::clip, {"min", "max"}}},
      {"Softmax", {&Importer::softmax, {"axis"}}},
      {"LogSoftmax", {&Importer::softmax, {"axis"}}},
      {"Gemm", {&Importer::gemm, {"alpha", "beta", "transA", "transB", "broadcast"}}},
      {"MatMul", {&Importer::matmul, {}}},
      {"Add", {&Importer::binary, {"broadcast", "axis"}}},
      {"Sub", {&Importer::binary, {"broadcast", "axis"}}},
      {"Mul", {&Importer::binary, {"broadcast", "axis"}}},
      {"Div", {&Importer::binary, {"broadcast", "axis"}}},
      {"Sum", {&Importer::sum, {}}},
      {"Concat", {&Importer::concat, {"axis"}}},
      {"Flatten", {&Importer::flatten, {"axis"}}},
      {"Reshape", {&Importer::reshape, {"shape", "allowzero"}}},
      {"Transpose", {&Importer::transpose, {"perm"}}},
      {"Squeeze", {&Importer::squeeze, {"axes"}}},
      {"Unsqueeze", {&Importer::squeeze, {"axes"}}},
      {"Pad", {&Importer::pad, {"mode", "pads", "value"}}},
      {"Identity", {&Importer::identity, {}}},
      {"Dropout", {&Importer::dropout, {"ratio", "seed", "is_test"}}},
      {"Constant", {&Importer::constant, {"value", "value_float", "value_floats", "value_int", "value_ints"}}},
      {"Shape", {&Importer::shape, {"start", "end"}}},
      {"Gather", {&Importer::gather, {"axis"}}},
      {"Slice", {&Importer::slice, {"starts", "ends", "axes"}}},
      {"ReduceMean", {&Importer::reduce_mean, {"axes", "keepdims", "noop_with_empty_axes"}}},
      {"Resize", {&Importer::resize, {"mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a",
                                      "exclude_outside", "extrapolation_value"}}},
      {"Upsample", {&Importer::resize, {"mode", "scales"}}},
      {"Cast", {&Importer::cast, {"to", "saturate"}}},
      {"LSTM", {&Importer::recurrent, {"activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size",
                                        "input_forget", "layout"}}},
      {"GRU", {&Importer::recurrent, {"activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size",
                                       "layout", "linear_before_reset"}}},
      {"RNN", {&Importer::recurrent, {"activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size",
                                       "layout"}}},
  };
  return table;
}

void Importer::import_node(const NodeProto& n) {
  const auto it = ops().find(n.op_type());
  if (!n.domain().empty() && n.domain() != "ai.onnx") unsupported("operator domain '", n.domain(), "' is not supported");
  if (it == ops().end()) unsupported("operator ", n.op_type(), " is not supported");
  // Handlers name their results by output(i); protobuf aborts the process on a missing one.
  // (Optional outputs may be "", as a recurrent node's Y when only Y_h is used.)
  STRATA_CHECK(std::any_of(n.output().begin(), n.output().end(), [](const std::string& o) { return !o.empty(); }),
               "the node has no output; every ", n.op_type(), " node needs one");
  for (const auto& a : n.attribute())
    if (std::find(it->second.attributes.begin(), it->second.attributes.end(), a.name()) == it->second.attributes.end())
      unsupported("attribute '", a.name(), "' is not supported");
  for (int i = 0; i < n.input_size(); ++i)
    if (index_inputs_.count(n.input(i)) && !(n.op_type() == "Gather" && i == 1))
      unsupported("the integer input '", n.input(i), "' feeds ", n.op_type(),
                  "; integer inputs are indices, read only by a Gather from a constant table (an embedding)");
  // A node whose inputs are all constants runs at import time on stand-in graph inputs.
  bool all_constant = n.op_type() != "Constant";
  for (int i = 0; i < n.input_size(); ++i)
    if (has_input(n, i)) all_constant = all_constant && value(n.input(i)).constant.defined();
  if (!all_constant) return (this->*it->second.handler)(n);

  const bool was_leading = leading_;
  folding_ = true;
  leading_ = false;
  fold_inputs_.clear();
  try {
    (this->*it->second.handler)(n);
  } catch (...) {
    folding_ = false;
    leading_ = was_leading;
    throw;
  }
  folding_ = false;
  leading_ = was_leading;
  Value& out = values_[n.output(0)];
  if (out.constant.defined()) return;
  std::vector<SymbolicTensor> inputs;
  std::vector<Variable> feeds;
  bool integer = true;
  for (const auto& [symbol, tensor] : fold_inputs_) {
    inputs.push_back(symbol);
    feeds.push_back(Variable(tensor.unsqueeze(0)));
  }
  for (int i = 0; i < n.input_size(); ++i)
    if (has_input(n, i)) integer = integer && value(n.input(i)).constant.dtype() == DType::i64;
  models::Model fold(inputs, out.symbol);
  Tensor result = fold.call(feeds, false).value();
  result = result.reshape(Shape(result.shape().begin() + 1, result.shape().end()));
  if (integer) {
    std::vector<std::int64_t> rounded;
    for (double d : result.to(DType::f64).contiguous().to_vector<double>()) rounded.push_back(std::llround(d));
    result = Tensor::from_vector(rounded, result.shape());
  }
  out = Value{result, SymbolicTensor(), ""};
}

std::shared_ptr<models::Model> Importer::run() {
  const onnx::GraphProto& g = model_.graph();
  for (const auto& o : model_.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = o.version();
  if (opset_ == 0) opset_ = 1;
  STRATA_CHECK(opset_ <= 17, "ONNX import: opset ", opset_, " is newer than the supported 7-17");
  for (const auto& t : g.initializer()) values_[t.name()] = Value{tensor_from_onnx(t, base_dir_), {}, ""};
  for (const auto& [name, tensor] : options_.constant_inputs) values_[name] = Value{tensor, {}, ""};
  std::vector<SymbolicTensor> inputs;
  for (const auto& vi : g.input()) {
    if (values_.count(vi.name())) continue;  // IR < 4 lists initializers as inputs too
    STRATA_CHECK(vi.type().has_tensor_type(), "ONNX import: input '", vi.name(), "' is not a tensor");
    const auto elem = vi.type().tensor_type().elem_type();
    // Integer inputs are indices (token ids): the model takes them as numbers, as Strata's
    // Embedding does, and only a Gather from a constant table (an embedding) may read them.
    const bool index = elem == onnx::TensorProto::INT64 || elem == onnx::TensorProto::INT32;
    STRATA_CHECK(index || elem == onnx::TensorProto::FLOAT || elem == onnx::TensorProto::FLOAT16 || elem == onnx::TensorProto::DOUBLE,
                 "ONNX import: input '", vi.name(), "' has element type ",
                 onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(elem)),
                 "; only floating-point inputs and integer indices are supported (bind it with constant_inputs)");
    if (index) index_inputs_.insert(vi.name());
    Shape shape;
    for (const auto& d : vi.type().tensor_type().shape().dim()) shape.push_back(d.has_dim_value() ? d.dim_value() : -1);
    if (leading_) {
      STRATA_CHECK(!shape.empty(), "ONNX import: input '", vi.name(), "' is a scalar; it has no batch axis");
      if (shape[0] > 0) declared_batch_ = shape[0];
      shape.erase(shape.begin());
    }
    if (const auto it = options_.input_shapes.find(vi.name()); it != options_.input_shapes.end()) {
      STRATA_CHECK(it->second.size() == shape.size(), "ONNX import: input '", vi.name(), "' has shape ", shape_str(shape),
                   " per example; the override ", shape_str(it->second), " has a different rank");
      shape = it->second;
    }
    for (auto d : shape)
      STRATA_CHECK(d > 0, "ONNX import: input '", vi.name(), "' has a dimension of unknown size besides the batch axis");
    used_names_.insert(sanitize(vi.name()));
    SymbolicTensor s = nn::Input(shape, sanitize(vi.name()));
    inputs.push_back(s);
    values_[vi.name()] = Value{Tensor(), s, ""};
  }
  STRATA_CHECK(!inputs.empty(), "ONNX import: the graph has no input besides its initializers");
  for (const auto& [name, shape] : options_.input_shapes)
    STRATA_CHECK(values_.count(name) && values_[name].symbol.defined(), "ONNX import: input_shapes names '", name,
                 "', which is not an input of the graph");
  const std::vector<NodeProto> nodes = fuse_decomposed_gelu(g, base_dir_);
  for (const auto& n : nodes)
    for (const auto& i : n.input()) consumed_.insert(i);
  for (const auto& o : g.output()) consumed_.insert(o.name());
  for (const auto& n : nodes) {
    bool blocked = false;
    for (const auto& i : n.input()) blocked = blocked || failed_.count(i);
    try {
      if (blocked) throw Unsupported("");
      import_node(n);
    } catch (const Unsupported& e) {
      for (const auto& o : n.output()) failed_.insert(o);
      if (!blocked)
        problems_.push_back(detail::concat("  node '", n.name(), "' (", n.op_type(), "): ", e.what()));
    } catch (const Error& e) {
      for (const auto& o : n.output()) failed_.insert(o);
      problems_.push_back(detail::concat("  node '", n.name(), "' (", n.op_type(), "): ", e.what()));
    }
  }
  if (!problems_.empty()) {
    std::string message = detail::concat("ONNX import: ", problems_.size(), " node(s) cannot be imported exactly:");
    for (const auto& p : problems_) message += "\n" + p;
    throw Error(message);
  }
  STRATA_CHECK(g.output_size() >= 1, "ONNX import: the graph has no outputs");
  std::vector<nn::SymbolicTensor> outputs;
  for (const auto& out : g.output()) {
    const auto it = values_.find(out.name());
    STRATA_CHECK(it == values_.end() || it->second.unavailable.empty(), "ONNX import: the output '", out.name(), "': ",
                 it->second.unavailable);
    STRATA_CHECK(it != values_.end() && it->second.symbol.defined(), "ONNX import: the output '", out.name(),
                 "' is not computed from the inputs");
    for (const auto& seen : outputs)
      STRATA_CHECK(seen.node() != it->second.symbol.node(), "ONNX import: the output '", out.name(),
                   "' is another output's tensor again");
    outputs.push_back(it->second.symbol);
  }
  std::string name = options_.model_name.empty() ? sanitize(g.name()) : options_.model_name;
  return std::make_shared<models::Model>(inputs, outputs, name.empty() ? "onnx_model" : name);
}

}  // namespace onnx_importer

using onnx_importer::Importer;

namespace {
onnx::ModelProto read_model(const std::string& path) {
  onnx::ModelProto model;
  STRATA_CHECK(model.ParseFromString(read_file_bytes(path, "ONNX import")), "ONNX import: ", path,
               " is not an ONNX model (the protobuf does not parse: truncated or another file type)");
  STRATA_CHECK(model.ir_version() > 0 && model.has_graph() && model.graph().node_size() > 0 && model.opset_import_size() > 0,
               "ONNX import: ", path, " is not an ONNX model (expected a ModelProto with ir_version, opset_import and a graph of nodes)");
  return model;
}
}  // namespace

std::shared_ptr<models::Model> import_onnx(const std::string& path, const OnnxImportOptions& options) {
  const onnx::ModelProto model = read_model(path);
  const std::string base_dir = std::filesystem::path(path).parent_path().string();
  return Importer(model, options, base_dir).run();
}

std::vector<std::string> onnx_input_names(const std::string& path) {
  const onnx::ModelProto model = read_model(path);
  std::set<std::string> initializers;
  for (const auto& t : model.graph().initializer()) initializers.insert(t.name());
  std::vector<std::string> names;
  for (const auto& vi : model.graph().input())
    if (!initializers.count(vi.name())) names.push_back(vi.name());
  return names;
}

}  // namespace strata::interop
