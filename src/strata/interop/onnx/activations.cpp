// ONNX import and export: element-wise activations, Clip, PRelu, Softmax/LogSoftmax.
#include "strata/interop/onnx/exporter.h"
#include "strata/interop/onnx/importer.h"

#include <cmath>

namespace strata::interop::onnx_importer {

void Importer::activation(const NodeProto& n) {
  const std::string& op = n.op_type();
  const SymbolicTensor x = sym_in(n, 0);
  nn::LayerPtr layer;
  if (op == "Relu") layer = std::make_shared<nn::Activation>("relu");
  else if (op == "Sigmoid") layer = std::make_shared<nn::Activation>("sigmoid");
  else if (op == "Tanh") layer = std::make_shared<nn::Activation>("tanh");
  else if (op == "Softplus") layer = std::make_shared<nn::Activation>("softplus");
  else if (op == "Gelu") {  // opset 20's, or the decomposed form fused before import (fusion.h)
    if (attr_string(n, "approximate", "none") != "none") unsupported("Gelu with approximate='tanh'");
    layer = std::make_shared<nn::Activation>("gelu");
  }
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

}  // namespace strata::interop::onnx_importer

// ---------------------------------------------------------------- export

namespace strata::interop::onnx_exporter {

std::string Exporter::export_activations(const LayerCall& call) {
  const auto& [l, type, name, c, in, shapes] = call;
  const std::string& x = in.at(0);
  if (type == "Activation") return activation(c.at("activation").get<std::string>(), x, name);
  if (type == "ReLU") {
    const Json max_value = c.value("max_value", Json());
    const double slope = c.value("negative_slope", 0.0), mv = max_value.is_null() ? 0.0 : max_value.get<double>();
    if (slope != 0.0 || c.value("threshold", 0.0) != 0.0) throw Unsupported("ReLU with a negative slope or threshold");
    if (mv > 0.0)
      return node("Clip", {x, constant(name + "/min", Tensor::scalar(0.0)), constant(name + "/max", Tensor::scalar(mv))}, name).output(0);
    return node("Relu", {x}, name).output(0);
  }
  if (type == "LeakyReLU") return activation("leaky_relu", x, name, c.value("negative_slope", 0.3));
  if (type == "ELU") {
    auto& n = node("Elu", {x}, name);
    attr(n, "alpha", c.value("alpha", 1.0));
    return name;
  }
  if (type == "PReLU") return node("PRelu", {x, constant(name + "/alpha", weight(l, "alpha"))}, name).output(0);
  if (type == "Softmax") {
    auto& n = node(c.value("log", false) ? "LogSoftmax" : "Softmax", {x}, name);
    attr(n, "axis", c.value("axis", std::int64_t{-1}));
    return name;
  }
  if (type == "ParametricActivation") {
    const std::string f = c.at("function");
    const double alpha = c.at("alpha"), beta = c.at("beta");
    if (f == "selu") {
      auto& n = node("Selu", {x}, name);
      attr(n, "alpha", alpha);
      attr(n, "gamma", beta);
      return name;
    }
    auto& n = node("HardSigmoid", {x}, f == "hard_sigmoid" ? name : unique(name + "/hard_sigmoid"));
    attr(n, "alpha", f == "hard_sigmoid" ? alpha : 1.0 / 6);
    attr(n, "beta", f == "hard_sigmoid" ? beta : 0.5);
    return f == "hard_sigmoid" ? name : node("Mul", {x, n.output(0)}, name).output(0);
  }
  if (type == "Clip")
    return node("Clip", {x, constant(name + "/min", Tensor::scalar(c.at("min_value").get<double>())),
                         constant(name + "/max", Tensor::scalar(c.at("max_value").get<double>()))},
                name).output(0);
  throw Unsupported("no ONNX export for this layer type");
}

}  // namespace strata::interop::onnx_exporter
