// ONNX import (see onnx_import.h). One handler per op turns a node into Strata layers; the
// handlers are written once for graph tensors and also fold constants: a node whose inputs
// are all constants runs through a temporary graph at import time.
#include "strata/interop/onnx_import.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>

#include "strata/interop/onnx_tensor.h"
#include "strata/nn/layers.h"
#include "strata/tensor/math.h"

namespace strata::interop {
namespace {

using nn::SymbolicTensor;
using onnx::NodeProto;

// A node the importer cannot represent exactly; collected, then reported all at once.
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};
template <class... Parts>
[[noreturn]] void unsupported(const Parts&... parts) {
  throw Unsupported(detail::concat(parts...));
}

struct Value {
  Tensor constant;        // defined when the value is known at import time
  SymbolicTensor symbol;  // defined for values computed by the network
  std::string unavailable;  // why an output cannot be used (e.g. a Dropout mask)
};

std::string sanitize(const std::string& name) {
  std::string out;
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ? c : '_';
  return out;
}

class Importer {
 public:
  Importer(const onnx::ModelProto& model, const OnnxImportOptions& options, std::string base_dir)
      : model_(model), options_(options), base_dir_(std::move(base_dir)), leading_(options.leading_batch_axis) {}

  std::shared_ptr<models::Model> run();

 private:
  using Handler = void (Importer::*)(const NodeProto&);
  struct OpSpec {
    Handler handler;
    std::vector<std::string> attributes;  // the attributes the handler understands
  };
  static const std::map<std::string, OpSpec>& ops();

  // ---- values ----
  bool has_input(const NodeProto& n, int i) const { return i < n.input_size() && !n.input(i).empty(); }
  const Value& value(const std::string& name) const;
  const Value& in(const NodeProto& n, int i) const;
  Tensor const_in(const NodeProto& n, int i, const char* what) const;
  std::vector<std::int64_t> const_ints(const NodeProto& n, int i, const char* what) const;
  SymbolicTensor sym_in(const NodeProto& n, int i);
  void set_output(const NodeProto& n, int i, Value v) { values_[n.output(i)] = std::move(v); }
  void set_symbol(const NodeProto& n, const SymbolicTensor& s) { set_output(n, 0, Value{Tensor(), s, ""}); }
  void set_constant(const NodeProto& n, const Tensor& t) { set_output(n, 0, Value{t, SymbolicTensor(), ""}); }

  // ---- attributes ----
  const onnx::AttributeProto* attr(const NodeProto& n, const std::string& name) const;
  std::int64_t attr_int(const NodeProto& n, const std::string& name, std::int64_t def) const;
  double attr_float(const NodeProto& n, const std::string& name, double def) const;
  std::vector<std::int64_t> attr_ints(const NodeProto& n, const std::string& name, std::vector<std::int64_t> def = {}) const;
  std::vector<double> attr_floats(const NodeProto& n, const std::string& name) const;
  std::string attr_string(const NodeProto& n, const std::string& name, const std::string& def) const;

  // ---- shapes and axes ----
  // The ONNX-level shape (with the batch axis in leading mode; its size as declared, or 1).
  Shape onnx_shape(const Value& v) const;
  std::int64_t onnx_rank(const Value& v) const { return static_cast<std::int64_t>(onnx_shape(v).size()); }
  // ONNX axis -> full Strata axis (batch = 0); refuses the batch axis in leading mode.
  std::int64_t full_axis(std::int64_t axis, std::int64_t rank, const char* what) const;
  // ONNX shape -> the per-example shape a Strata layer sees.
  Shape example_shape(const Shape& onnx, const char* what) const;
  void require_leading(const char* what) const {
    if (!leading_) unsupported(what, " needs ONNX axis 0 to be the batch axis");
  }

  // ---- layers ----
  std::string layer_name(const NodeProto& n, const std::string& suffix = "");
  SymbolicTensor add_layer(const NodeProto& n, const nn::LayerPtr& layer, const std::vector<SymbolicTensor>& inputs,
                           const std::map<std::string, Tensor>& weights = {}, const std::string& suffix = "");
  SymbolicTensor reshape_to(const NodeProto& n, const SymbolicTensor& x, const Shape& onnx_target, const std::string& suffix = "");
  void import_node(const NodeProto& n);

  // ---- handlers ----
  void conv(const NodeProto& n);
  void pool(const NodeProto& n);
  void global_pool(const NodeProto& n);
  void batch_norm(const NodeProto& n);
  void activation(const NodeProto& n);
  void clip(const NodeProto& n);
  void prelu(const NodeProto& n);
  void softmax(const NodeProto& n);
  void gemm(const NodeProto& n);
  void matmul(const NodeProto& n);
  void binary(const NodeProto& n);
  void sum(const NodeProto& n);
  void concat(const NodeProto& n);
  void flatten(const NodeProto& n);
  void reshape(const NodeProto& n);
  void transpose(const NodeProto& n);
  void squeeze(const NodeProto& n);
  void pad(const NodeProto& n);
  void identity(const NodeProto& n);
  void dropout(const NodeProto& n);
  void constant(const NodeProto& n);
  void shape(const NodeProto& n);
  void gather(const NodeProto& n);
  void slice(const NodeProto& n);
  void reduce_mean(const NodeProto& n);
  void resize(const NodeProto& n);
  void cast(const NodeProto& n);
  void recurrent(const NodeProto& n);

  const onnx::ModelProto& model_;
  const OnnxImportOptions& options_;
  std::string base_dir_;
  bool leading_;
  std::int64_t opset_ = 0;
  std::int64_t declared_batch_ = 1;
  std::map<std::string, Value> values_;
  std::set<std::string> failed_;  // outputs of nodes that could not be imported
  std::set<std::string> consumed_;  // names some node or the graph output reads
  std::vector<std::string> problems_;
  std::set<std::string> used_names_;
  // Constant folding: graph inputs stood in for constants while a node runs on them.
  bool folding_ = false;
  std::vector<std::pair<SymbolicTensor, Tensor>> fold_inputs_;
};

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
namespace {
// Explicit (begin, end) pads for ONNX's auto_pad SAME_UPPER (TensorFlow's "same") / SAME_LOWER.
std::array<std::int64_t, 2> same_pads(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d, bool upper) {
  const auto p = ops::same_padding(in, k, s, d);
  return upper ? p : std::array<std::int64_t, 2>{p[1], p[0]};
}
}  // namespace

void Importer::conv(const NodeProto& n) {
  require_leading("Conv");
  const SymbolicTensor x = sym_in(n, 0);
  const Tensor w = const_in(n, 1, "the weight");
  if (w.dim() != 4 || x.shape().size() != 3) unsupported("only 2-D convolution is supported (weight ", shape_str(w.shape()), ")");
  const std::int64_t channels = x.shape()[0], out = w.size(0), kh = w.size(2), kw = w.size(3);
  const std::int64_t group = attr_int(n, "group", 1);
  const auto strides = attr_ints(n, "strides", {1, 1}), dilations = attr_ints(n, "dilations", {1, 1});
  auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
  const auto kernel_shape = attr_ints(n, "kernel_shape", {kh, kw});
  if (kernel_shape != std::vector<std::int64_t>{kh, kw}) unsupported("kernel_shape disagrees with the weight");
  const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  nn::Conv2DOptions o(out, nn::Size2{kh, kw});
  o.strides({strides[0], strides[1]}).dilation_rate({dilations[0], dilations[1]}).use_bias(has_input(n, 2));
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    const bool upper = auto_pad == "SAME_UPPER";
    const auto ph = same_pads(x.shape()[1], kh, strides[0], dilations[0], upper);
    const auto pw = same_pads(x.shape()[2], kw, strides[1], dilations[1], upper);
    pads = {ph[0], pw[0], ph[1], pw[1]};
  } else if (auto_pad == "VALID") {
    pads = {0, 0, 0, 0};
  } else if (auto_pad != "NOTSET") {
    unsupported("attribute auto_pad=", auto_pad);
  }
  if (std::any_of(pads.begin(), pads.end(), [](auto p) { return p != 0; }))
    o.padding("explicit").explicit_padding({nn::Size2{pads[0], pads[2]}, nn::Size2{pads[1], pads[3]}});
  std::map<std::string, Tensor> weights;
  if (has_input(n, 2)) weights["bias"] = const_in(n, 2, "the bias");
  nn::LayerPtr layer;
  if (group == 1) {
    weights["kernel"] = w;
    layer = std::make_shared<nn::Conv2D>(o);
  } else if (group == channels && w.size(1) == 1 && out % channels == 0) {
    weights["depthwise_kernel"] = w;
    layer = std::make_shared<nn::Conv2D>(o.depth_multiplier(out / channels), nn::Conv2D::Kind::depthwise);
  } else {
    weights["kernel"] = w;
    layer = std::make_shared<nn::Conv2D>(o.groups(group));
  }
  set_symbol(n, add_layer(n, layer, {x}, weights));
}

void Importer::pool(const NodeProto& n) {
  require_leading(n.op_type().c_str());
  const SymbolicTensor x = sym_in(n, 0);
  if (n.output_size() > 1 && !n.output(1).empty()) unsupported("the Indices output of MaxPool is not supported");
  const auto kernel = attr_ints(n, "kernel_shape");
  if (kernel.size() != 2 || x.shape().size() != 3) unsupported("only 2-D pooling is supported");
  const auto strides = attr_ints(n, "strides", {1, 1});
  const auto dilations = attr_ints(n, "dilations", {1, 1});
  if (dilations != std::vector<std::int64_t>{1, 1}) unsupported("attribute dilations (only 1 is supported)");
  if (attr_int(n, "storage_order", 0) != 0) unsupported("attribute storage_order=1");
  auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
  const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    const bool upper = auto_pad == "SAME_UPPER";
    const auto ph = same_pads(x.shape()[1], kernel[0], strides[0], 1, upper);
    const auto pw = same_pads(x.shape()[2], kernel[1], strides[1], 1, upper);
    pads = {ph[0], pw[0], ph[1], pw[1]};
  } else if (auto_pad == "VALID") {
    pads = {0, 0, 0, 0};
  } else if (auto_pad != "NOTSET") {
    unsupported("attribute auto_pad=", auto_pad);
  }
  const bool max = n.op_type() == "MaxPool";
  auto layer = std::make_shared<nn::Pooling2D>(max ? kernels::PoolKind::max : kernels::PoolKind::avg,
                                               nn::Size2{kernel[0], kernel[1]}, nn::Size2{strides[0], strides[1]});
  if (std::any_of(pads.begin(), pads.end(), [](auto p) { return p != 0; }))
    layer->explicit_padding({nn::Size2{pads[0], pads[2]}, nn::Size2{pads[1], pads[3]}});
  layer->ceil_mode(attr_int(n, "ceil_mode", 0) != 0).count_include_pad(!max && attr_int(n, "count_include_pad", 0) != 0);
  set_symbol(n, add_layer(n, layer, {x}));
}

void Importer::global_pool(const NodeProto& n) {
  require_leading(n.op_type().c_str());
  const SymbolicTensor x = sym_in(n, 0);
  if (x.shape().size() != 3) unsupported("only 2-D global pooling is supported");
  const bool max = n.op_type() == "GlobalMaxPool";
  set_symbol(n, add_layer(n, std::make_shared<nn::GlobalPooling2D>(max ? kernels::PoolKind::max : kernels::PoolKind::avg, true), {x}));
}

void Importer::batch_norm(const NodeProto& n) {
  require_leading("BatchNormalization");
  if (attr_int(n, "training_mode", 0) != 0) unsupported("attribute training_mode=1");
  if (attr_int(n, "spatial", 1) != 1) unsupported("attribute spatial=0");
  for (int i = 1; i < n.output_size(); ++i)
    if (!n.output(i).empty()) unsupported("training outputs (running statistics) are not supported");
  const SymbolicTensor x = sym_in(n, 0);
  nn::BatchNormalizationOptions o;
  o.epsilon(attr_float(n, "epsilon", 1e-5)).momentum(attr_float(n, "momentum", 0.9));
  set_symbol(n, add_layer(n, std::make_shared<nn::BatchNormalization>(o), {x},
                          {{"gamma", const_in(n, 1, "scale")},
                           {"beta", const_in(n, 2, "B")},
                           {"moving_mean", const_in(n, 3, "mean")},
                           {"moving_variance", const_in(n, 4, "var")}}));
}

// ------------------------------------------------------------------ activations
void Importer::activation(const NodeProto& n) {
  const std::string& op = n.op_type();
  const SymbolicTensor x = sym_in(n, 0);
  nn::LayerPtr layer;
  if (op == "Relu") layer = std::make_shared<nn::Activation>("relu");
  else if (op == "Sigmoid") layer = std::make_shared<nn::Activation>("sigmoid");
  else if (op == "Tanh") layer = std::make_shared<nn::Activation>("tanh");
  else if (op == "Softplus") layer = std::make_shared<nn::Activation>("softplus");
  else if (op == "LeakyRelu") layer = std::make_shared<nn::LeakyReLU>(attr_float(n, "alpha", 0.01));
  else if (op == "Elu") layer = std::make_shared<nn::ELU>(attr_float(n, "alpha", 1.0));
  else if (op == "HardSwish") layer = std::make_shared<nn::ParametricActivation>("hard_swish", 0.0, 0.0);
  else if (op == "HardSigmoid")
    layer = std::make_shared<nn::ParametricActivation>("hard_sigmoid", attr_float(n, "alpha", 0.2), attr_float(n, "beta", 0.5));
  else  // Selu
    layer = std::make_shared<nn::ParametricActivation>("selu", attr_float(n, "alpha", 1.67326319217681884765625),
                                                       attr_float(n, "gamma", 1.05070102214813232421875));
  set_symbol(n, add_layer(n, layer, {x}));
}

void Importer::clip(const NodeProto& n) {
  const double lowest = -std::numeric_limits<double>::infinity(), highest = std::numeric_limits<double>::infinity();
  double lo = attr_float(n, "min", lowest), hi = attr_float(n, "max", highest);
  if (has_input(n, 1)) lo = const_in(n, 1, "min").to(DType::f64).item();
  if (has_input(n, 2)) hi = const_in(n, 2, "max").to(DType::f64).item();
  const SymbolicTensor x = sym_in(n, 0);
  nn::LayerPtr layer;
  if (lo == 0.0 && hi == 6.0)
    layer = std::make_shared<nn::ReLU>(6.0);
  else if (lo == 0.0 && std::isinf(hi))
    layer = std::make_shared<nn::Activation>("relu");
  else
    layer = std::make_shared<nn::Clip>(lo, hi);
  set_symbol(n, add_layer(n, layer, {x}));
}

void Importer::prelu(const NodeProto& n) {
  const SymbolicTensor x = sym_in(n, 0);
  Tensor slope = const_in(n, 1, "slope").contiguous();
  const Shape& ex = x.shape();
  Shape s = slope.shape();
  // Right-align the slope with the example shape; axes where it is 1 share one value.
  while (s.size() > ex.size()) {
    if (s.front() != 1) unsupported("slope ", shape_str(slope.shape()), " does not broadcast per example over ", shape_str(ex));
    s.erase(s.begin());
  }
  s.insert(s.begin(), ex.size() - s.size(), 1);
  std::vector<std::int64_t> shared;
  for (std::size_t i = 0; i < ex.size(); ++i) {
    if (s[i] != ex[i] && s[i] != 1) unsupported("slope ", shape_str(slope.shape()), " does not broadcast over ", shape_str(ex));
    if (s[i] == 1 && ex[i] != 1) shared.push_back(static_cast<std::int64_t>(i) + 1);
  }
  set_symbol(n, add_layer(n, std::make_shared<nn::PReLU>(shared), {x}, {{"alpha", slope.reshape(s)}}));
}

void Importer::softmax(const NodeProto& n) {
  const SymbolicTensor x = sym_in(n, 0);
  const Value& v = in(n, 0);
  const std::int64_t rank = onnx_rank(v);
  std::int64_t axis = attr_int(n, "axis", opset_ >= 13 ? -1 : 1);
  if (axis < 0) axis += rank;
  const bool log = n.op_type() == "LogSoftmax";
  if (opset_ >= 13 || axis == rank - 1) {
    auto layer = std::make_shared<nn::Softmax>(full_axis(axis, rank, "Softmax"));
    layer->log(log);
    set_symbol(n, add_layer(n, layer, {x}));
    return;
  }
  // Before opset 13 the input is flattened to 2-D at `axis` and normalized over the second part.
  const Shape shape = onnx_shape(v);
  Shape flat{1, 1};
  for (std::int64_t i = 0; i < rank; ++i) flat[i < axis ? 0 : 1] *= shape[i];
  if (leading_ && axis == 0) unsupported("Softmax over the batch axis");
  SymbolicTensor y = reshape_to(n, x, leading_ ? Shape{shape[0], shape_numel(shape) / shape[0] / flat[1], flat[1]} : flat, "_flat");
  auto layer = std::make_shared<nn::Softmax>(-1);
  layer->log(log);
  y = add_layer(n, layer, {y});
  set_symbol(n, reshape_to(n, y, shape, "_unflat"));
}

// ------------------------------------------------------------------ linear algebra and arithmetic
void Importer::gemm(const NodeProto& n) {
  const double alpha = attr_float(n, "alpha", 1.0), beta = attr_float(n, "beta", 1.0);
  const bool trans_a = attr_int(n, "transA", 0) != 0, trans_b = attr_int(n, "transB", 0) != 0;
  SymbolicTensor a = sym_in(n, 0);
  if (trans_a) {
    if (leading_) unsupported("transA=1 transposes the batch axis");
    a = add_layer(n, std::make_shared<nn::Permute>(std::vector<std::int64_t>{2, 1}), {a}, {}, "_transpose_a");
  }
  const Value& bv = in(n, 1);
  SymbolicTensor y;
  bool bias_done = !has_input(n, 2);
  if (bv.constant.defined()) {
    Tensor b = bv.constant.to(DType::f32);
    if (trans_b) b = b.t().contiguous();
    const std::int64_t units = b.size(1);
    std::map<std::string, Tensor> weights{{"kernel", alpha == 1.0 ? b : b * alpha}};
    bool use_bias = false;
    if (has_input(n, 2) && in(n, 2).constant.defined()) {
      const Tensor c = in(n, 2).constant.to(DType::f32);
      if (c.numel() == units && (c.dim() == 1 || (c.dim() == 2 && c.size(0) == 1))) {
        weights["bias"] = (beta == 1.0 ? c : c * beta).reshape({units});
        use_bias = bias_done = true;
      } else if (c.numel() == 1) {
        weights["bias"] = Tensor::full({units}, c.to(DType::f64).item() * beta);
        use_bias = bias_done = true;
      }
    }
    y = add_layer(n, std::make_shared<nn::Dense>(nn::DenseOptions(units).use_bias(use_bias)), {a}, weights);
  } else {
    SymbolicTensor b = sym_in(n, 1);
    if (trans_b) b = add_layer(n, std::make_shared<nn::Permute>(std::vector<std::int64_t>{2, 1}), {b}, {}, "_transpose_b");
    y = add_layer(n, std::make_shared<nn::MatMul>(), {a, b});
    if (alpha != 1.0)
      y = add_layer(n, std::make_shared<nn::ConstantArithmetic>("multiply", Shape{}), {y}, {{"constant", Tensor::scalar(alpha)}}, "_alpha");
  }
  if (!bias_done) {
    const Value& cv = in(n, 2);
    if (cv.constant.defined()) {
      const Tensor c = cv.constant.to(DType::f32) * beta;
      y = add_layer(n, std::make_shared<nn::ConstantArithmetic>("add", c.shape()), {y}, {{"constant", c}}, "_bias");
    } else {
      SymbolicTensor c = sym_in(n, 2);
      if (beta != 1.0)
        c = add_layer(n, std::make_shared<nn::ConstantArithmetic>("multiply", Shape{}), {c}, {{"constant", Tensor::scalar(beta)}}, "_beta");
      y = add_layer(n, std::make_shared<nn::Arithmetic>("add"), {y, c}, {}, "_bias");
    }
  }
  set_symbol(n, y);
}

void Importer::matmul(const NodeProto& n) {
  const Value& bv = in(n, 1);
  const SymbolicTensor a = sym_in(n, 0);
  if (bv.constant.defined() && bv.constant.dim() == 2) {
    const Tensor b = bv.constant.to(DType::f32);
    set_symbol(n, add_layer(n, std::make_shared<nn::Dense>(nn::DenseOptions(b.size(1)).use_bias(false)), {a}, {{"kernel", b}}));
    return;
  }
  if (onnx_rank(in(n, 0)) < 2 || onnx_rank(bv) < 2) unsupported("MatMul of a 1-D operand");
  set_symbol(n, add_layer(n, std::make_shared<nn::MatMul>(), {a, sym_in(n, 1)}));
}

void Importer::binary(const NodeProto& n) {
  static const std::map<std::string, std::string> names{
      {"Add", "add"}, {"Sub", "subtract"}, {"Mul", "multiply"}, {"Div", "divide"}};
  const std::string op = names.at(n.op_type());
  if (attr(n, "broadcast") && attr_int(n, "broadcast", 0) != 0 && attr(n, "axis"))
    unsupported("attribute axis (legacy broadcasting) is not supported");
  const Value &a = in(n, 0), &b = in(n, 1);
  if (a.constant.defined() != b.constant.defined() && !folding_) {
    const bool first = a.constant.defined();
    Tensor c = (first ? a : b).constant.to(DType::f32);
    const SymbolicTensor x = sym_in(n, first ? 1 : 0);
    // Drop leading 1s the example does not have, so the constant broadcasts per example.
    const std::size_t full_rank = x.shape().size() + 1;
    Shape cs = c.shape();
    while (cs.size() > full_rank && cs.front() == 1) cs.erase(cs.begin());
    if (!leading_ && cs.size() == full_rank) unsupported("constant ", shape_str(c.shape()), " has more axes than the tensor");
    c = c.reshape(cs);
    set_symbol(n, add_layer(n, std::make_shared<nn::ConstantArithmetic>(op, cs, first), {x}, {{"constant", c}}));
    return;
  }
  const SymbolicTensor x = sym_in(n, 0), y = sym_in(n, 1);
  if (leading_ && onnx_rank(a) != onnx_rank(b)) unsupported("operands of different rank (", onnx_rank(a), " and ", onnx_rank(b), ") with a batch axis");
  nn::LayerPtr layer;
  if (x.shape() == y.shape() && op == "add") layer = std::make_shared<nn::Add>();
  else if (x.shape() == y.shape() && op == "multiply") layer = std::make_shared<nn::Multiply>();
  else layer = std::make_shared<nn::Arithmetic>(op);
  set_symbol(n, add_layer(n, layer, {x, y}));
}

void Importer::sum(const NodeProto& n) {
  SymbolicTensor y = sym_in(n, 0);
  for (int i = 1; i < n.input_size(); ++i) {
    if (leading_ && onnx_rank(in(n, i)) != onnx_rank(in(n, 0))) unsupported("operands of different rank with a batch axis");
    const SymbolicTensor x = sym_in(n, i);
    nn::LayerPtr layer = x.shape() == y.shape() ? nn::LayerPtr(std::make_shared<nn::Add>()) : std::make_shared<nn::Arithmetic>("add");
    y = add_layer(n, layer, {y, x}, {}, i == 1 ? "" : "_" + std::to_string(i));
  }
  set_symbol(n, y);
}

// ------------------------------------------------------------------ shape manipulation
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

void Importer::resize(const NodeProto& n) {
  const bool upsample = n.op_type() == "Upsample";
  std::string mode = attr_string(n, "mode", "nearest");
  if (mode == "bilinear") mode = "linear";
  if (mode != "nearest" && mode != "linear") unsupported("attribute mode=", mode, " (nearest and linear are supported)");
  nn::ResizeOptions o;
  o.mode(mode);
  std::vector<double> scales;
  std::vector<std::int64_t> sizes;
  if (upsample || opset_ < 11) {  // Upsample and Resize-10: asymmetric coordinates, floor for nearest
    o.coordinate_transformation_mode("asymmetric").nearest_mode("floor");
    if (upsample && opset_ < 9) scales = attr_floats(n, "scales");
    else {
      const Tensor s = const_in(n, 1, "scales").to(DType::f64).contiguous();
      scales = s.to_vector<double>();
    }
  } else {
    const std::string t = attr_string(n, "coordinate_transformation_mode", "half_pixel");
    if (t == "tf_crop_and_resize") unsupported("attribute coordinate_transformation_mode=tf_crop_and_resize");
    if (attr_int(n, "exclude_outside", 0) != 0) unsupported("attribute exclude_outside=1");
    o.coordinate_transformation_mode(t).nearest_mode(attr_string(n, "nearest_mode", "round_prefer_floor"));
    if (has_input(n, 2) && const_in(n, 2, "scales").numel() > 0)
      scales = const_in(n, 2, "scales").to(DType::f64).contiguous().to_vector<double>();
    if (has_input(n, 3)) sizes = const_ints(n, 3, "sizes");
  }
  const Shape shape = onnx_shape(in(n, 0));
  if (!scales.empty() && scales.size() != shape.size()) unsupported(scales.size(), " scales for rank ", shape.size());
  if (!sizes.empty() && sizes.size() != shape.size()) unsupported(sizes.size(), " sizes for rank ", shape.size());
  if (leading_) {
    if (!scales.empty()) {
      if (scales[0] != 1.0) unsupported("resizes the batch axis");
      scales.erase(scales.begin());
    }
    if (!sizes.empty()) sizes.erase(sizes.begin());
  }
  if (sizes.empty()) o.scales(scales);
  else o.sizes(Shape(sizes.begin(), sizes.end()));
  set_symbol(n, add_layer(n, std::make_shared<nn::Resize>(o), {sym_in(n, 0)}));
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
  if (!to_float) unsupported("Cast of a network tensor to an integer type");
  set_output(n, 0, v);
}

// ------------------------------------------------------------------ recurrent
// ONNX's LSTM/GRU/RNN as Strata's Recurrent layer: weights transposed to Keras' layout, LSTM
// gates reordered (ONNX i,o,f,c -> i,f,c,o), the two biases summed where the cell adds them
// (GRU keeps both with linear_before_reset = reset_after). Batch-first graphs (layout 1) map
// directly; time-major ones (layout 0) need the graph imported as one example, where the ONNX
// batch becomes an extra axis handled by TimeDistributed.
void Importer::recurrent(const NodeProto& n) {
  const std::string& op = n.op_type();
  const ops::RnnCell cell = op == "LSTM" ? ops::RnnCell::lstm : op == "GRU" ? ops::RnnCell::gru : ops::RnnCell::simple;
  const std::int64_t gates = op == "LSTM" ? 4 : op == "GRU" ? 3 : 1;
  if (attr(n, "clip")) unsupported("attribute clip");
  if (attr_int(n, "input_forget", 0) != 0) unsupported("attribute input_forget=1");
  const std::string direction = attr_string(n, "direction", "forward");
  if (direction != "forward" && direction != "reverse") unsupported("direction=", direction, " (forward and reverse are supported)");
  if (const auto* a = attr(n, "activations")) {
    const std::vector<std::string> defaults = op == "LSTM" ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
                                              : op == "GRU" ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                                            : std::vector<std::string>{"Tanh"};
    if (std::vector<std::string>(a->strings().begin(), a->strings().end()) != defaults) unsupported("non-default activations");
  }
  const bool batch_first = attr_int(n, "layout", 0) == 1;
  if (leading_ && !batch_first)
    unsupported("time-major input (layout 0): ONNX axis 0 is the sequence, not the batch; import the graph as one example "
                "(--one-example) or export the network batch-first");
  if (has_input(n, 4)) {  // sequence_lens: fine when every sequence is full length
    const Shape xs = onnx_shape(in(n, 0));
    for (auto len : const_ints(n, 4, "sequence_lens"))
      if (len != xs[batch_first ? 1 : 0]) unsupported("sequence_lens shorter than the sequence (use masking instead)");
  }
  for (int i : {5, 6})
    if (has_input(n, i) && max_abs_diff(const_in(n, i, "initial state"), Tensor::zeros(const_in(n, i, "initial state").shape())) != 0)
      unsupported("a non-zero initial state");
  if (has_input(n, 7)) unsupported("peephole weights (input P)");
  const bool want_y = n.output_size() > 0 && consumed_.count(n.output(0));
  const bool want_h = n.output_size() > 1 && consumed_.count(n.output(1));
  if (n.output_size() > 2 && consumed_.count(n.output(2))) unsupported("the cell-state output Y_c");
  if (want_y == want_h) unsupported("exactly one of the outputs Y and Y_h must be used (a Strata layer has one output)");

  const Tensor w = const_in(n, 1, "W").to(DType::f32), r = const_in(n, 2, "R").to(DType::f32);
  const std::int64_t hidden = r.size(2);
  if (attr_int(n, "hidden_size", hidden) != hidden) unsupported("hidden_size disagrees with R");
  // ONNX gate block g -> Strata gate block: LSTM i,o,f,c -> i,f,c,o.
  const std::vector<std::int64_t> order = op == "LSTM" ? std::vector<std::int64_t>{0, 2, 3, 1}
                                                        : gates == 3 ? std::vector<std::int64_t>{0, 1, 2} : std::vector<std::int64_t>{0};
  auto reorder = [&](const Tensor& rows) {  // [G*H, ...] -> gate blocks in Strata's order
    std::vector<Tensor> blocks;
    for (auto g : order) blocks.push_back(rows.slice(0, g * hidden, (g + 1) * hidden));
    return strata::concat(blocks, 0);
  };
  const Tensor kernel = reorder(w.select(0, 0)).t().contiguous();
  const Tensor recurrent = reorder(r.select(0, 0)).t().contiguous();
  const Tensor b = has_input(n, 3) ? const_in(n, 3, "B").to(DType::f32).select(0, 0) : Tensor::zeros({2 * gates * hidden});
  const Tensor wb = reorder(b.slice(0, 0, gates * hidden)), rb = reorder(b.slice(0, gates * hidden, 2 * gates * hidden));
  const bool reset_after = op == "GRU" && attr_int(n, "linear_before_reset", 0) != 0;
  const Tensor bias = reset_after ? strata::concat({wb.unsqueeze(0), rb.unsqueeze(0)}, 0) : wb + rb;

  nn::RecurrentOptions o(hidden);
  o.return_sequences(want_y).go_backwards(direction == "reverse").reset_after(reset_after).unit_forget_bias(false);
  auto layer = std::make_shared<nn::Recurrent>(cell, o);
  std::map<std::string, Tensor> weights{{"kernel", kernel}, {"recurrent_kernel", recurrent}, {"bias", bias}};
  SymbolicTensor x = sym_in(n, 0);
  const bool direct = leading_ && batch_first;
  if (!direct && !batch_first)  // [T, B, F] -> [B, T, F] per example
    x = add_layer(n, std::make_shared<nn::Permute>(std::vector<std::int64_t>{2, 1, 3}), {x}, {}, "_batch_major");
  SymbolicTensor y = direct ? add_layer(n, layer, {x}, weights)
                            : add_layer(n, std::make_shared<nn::TimeDistributed>(layer), {x}, weights);
  // y: [T, H] / [H] per example (direct), or [B, T, H] / [B, H].
  const std::int64_t time_axis = direct ? 1 : 2;
  if (want_y && direction == "reverse")  // Keras returns the reversed sequence in processing order
    y = add_layer(n, std::make_shared<nn::Slice>(std::vector<std::int64_t>{time_axis}, std::vector<std::int64_t>{-1},
                                                 std::vector<std::int64_t>{std::numeric_limits<std::int32_t>::min()},
                                                 std::vector<std::int64_t>{-1}),
                  {y}, {}, "_forward_order");
  const Shape ys = y.shape();
  if (want_h) {
    // Y_h: [dirs=1, B, H] (layout 0) or [B, 1, H] (layout 1)
    const Shape target = direct ? Shape{1, ys[0]} : batch_first ? Shape{ys[0], 1, ys[1]} : Shape{1, ys[0], ys[1]};
    values_[n.output(1)] = Value{Tensor(), add_layer(n, std::make_shared<nn::Reshape>(target), {y}, {}, "_Y_h"), ""};
  } else {
    // Y: [T, 1, B, H] (layout 0) or [B, T, 1, H] (layout 1)
    SymbolicTensor out;
    if (direct) out = add_layer(n, std::make_shared<nn::Reshape>(Shape{ys[0], 1, ys[1]}), {y}, {}, "_Y");
    else if (batch_first) out = add_layer(n, std::make_shared<nn::Reshape>(Shape{ys[0], ys[1], 1, ys[2]}), {y}, {}, "_Y");
    else {
      out = add_layer(n, std::make_shared<nn::Permute>(std::vector<std::int64_t>{2, 1, 3}), {y}, {}, "_time_major");
      out = add_layer(n, std::make_shared<nn::Reshape>(Shape{ys[1], 1, ys[0], ys[2]}), {out}, {}, "_Y");
    }
    values_[n.output(0)] = Value{Tensor(), out, ""};
  }
}

// ------------------------------------------------------------------ dispatch
const std::map<std::string, Importer::OpSpec>& Importer::ops() {
  static const std::map<std::string, OpSpec> table = {
      {"Conv", {&Importer::conv, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}}},
      {"MaxPool", {&Importer::pool, {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"}}},
      {"AveragePool", {&Importer::pool, {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"}}},
      {"GlobalAveragePool", {&Importer::global_pool, {}}},
      {"GlobalMaxPool", {&Importer::global_pool, {}}},
      {"BatchNormalization", {&Importer::batch_norm, {"epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs"}}},
      {"Relu", {&Importer::activation, {}}},
      {"Sigmoid", {&Importer::activation, {}}},
      {"Tanh", {&Importer::activation, {}}},
      {"Softplus", {&Importer::activation, {}}},
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
    STRATA_CHECK(elem == onnx::TensorProto::FLOAT || elem == onnx::TensorProto::FLOAT16 || elem == onnx::TensorProto::DOUBLE,
                 "ONNX import: input '", vi.name(), "' has element type ",
                 onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(elem)),
                 "; only floating-point inputs are supported (bind it with constant_inputs)");
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
  for (const auto& n : g.node())
    for (const auto& i : n.input()) consumed_.insert(i);
  for (const auto& o : g.output()) consumed_.insert(o.name());
  for (const auto& n : g.node()) {
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
  STRATA_CHECK(g.output_size() == 1, "ONNX import: the graph has ", g.output_size(),
               " outputs; a Strata model has one (extract the part you need first)");
  const auto it = values_.find(g.output(0).name());
  STRATA_CHECK(it != values_.end() && it->second.symbol.defined(), "ONNX import: the output '", g.output(0).name(),
               "' is not computed from the inputs");
  std::string name = options_.model_name.empty() ? sanitize(g.name()) : options_.model_name;
  return std::make_shared<models::Model>(inputs, it->second.symbol, name.empty() ? "onnx_model" : name);
}

}  // namespace

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
