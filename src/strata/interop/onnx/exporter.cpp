// ONNX export (see onnx_export.h and onnx/exporter.h): the exporter's core — names, nodes,
// constants, attributes, activations by name, the model walk and the family table.
#include "strata/interop/onnx/exporter.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <map>

#include "strata/interop/onnx_tensor.h"
#include "strata/io/text_file.h"
#include "strata/nn/layers.h"
#include "strata/ops/ops.h"

namespace strata::interop {
namespace onnx_exporter {

Tensor weight(const nn::LayerPtr& l, const std::string& name) {
  for (nn::Weight* w : l->weights())
    if (w->name == name) return w->variable.value();
  return Tensor();
}

std::string Exporter::unique(const std::string& base) {
  const int n = used_[base]++;
  return n == 0 ? base : base + "_" + std::to_string(n);
}

onnx::NodeProto& Exporter::node(const std::string& op, const std::vector<std::string>& inputs, const std::string& output) {
  onnx::NodeProto& n = *g_.add_node();
  n.set_op_type(op);
  n.set_name(output);
  for (const auto& i : inputs) n.add_input(i);
  n.add_output(output);
  return n;
}

std::string Exporter::constant(const std::string& name, const Tensor& t) {
  const std::string id = unique(name);
  *g_.add_initializer() = tensor_to_onnx(t, id);
  return id;
}

std::string Exporter::ints_constant(const std::string& name, const std::vector<std::int64_t>& values) {
  return constant(name, Tensor::from_vector(values, {static_cast<std::int64_t>(values.size())}));
}

void Exporter::attr(onnx::NodeProto& n, const std::string& name, std::int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
void Exporter::attr(onnx::NodeProto& n, const std::string& name, double v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(static_cast<float>(v));
}
void Exporter::attr(onnx::NodeProto& n, const std::string& name, const std::string& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}
void Exporter::attr(onnx::NodeProto& n, const std::string& name, const std::vector<std::int64_t>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (auto x : v) a->add_ints(x);
}

// A Keras activation by name, as ONNX nodes from `input` to `output`.
std::string Exporter::activation(const std::string& name, const std::string& input, const std::string& output, double alpha) {
  static const std::map<std::string, std::string> simple{{"relu", "Relu"},       {"sigmoid", "Sigmoid"}, {"tanh", "Tanh"},
                                                         {"softplus", "Softplus"}, {"selu", "Selu"},     {"elu", "Elu"}};
  if (name.empty() || name == "linear") return node("Identity", {input}, output).output(0);
  if (const auto it = simple.find(name); it != simple.end()) return node(it->second, {input}, output).output(0);
  if (name == "softmax") {
    auto& n = node("Softmax", {input}, output);
    attr(n, "axis", std::int64_t{-1});
    return output;
  }
  if (name == "leaky_relu") {
    auto& n = node("LeakyRelu", {input}, output);
    attr(n, "alpha", alpha == 0.0 ? 0.2 : alpha);
    return output;
  }
  if (name == "relu6") {
    node("Clip", {input, constant(output + "/min", Tensor::scalar(0.0)), constant(output + "/max", Tensor::scalar(6.0))}, output);
    return output;
  }
  if (name == "hard_sigmoid") {  // Strata's (and PyTorch's, Keras 3's): x/6 + 1/2, clipped
    auto& n = node("HardSigmoid", {input}, output);
    attr(n, "alpha", 1.0 / 6);
    attr(n, "beta", 0.5);
    return output;
  }
  if (name == "gelu") {  // exact GELU before opset 20's Gelu: x * 0.5 * (1 + Erf(x / sqrt 2)), fused again on import
    const std::string scaled =
        node("Div", {input, constant(output + "/sqrt2", Tensor::scalar(std::sqrt(2.0)))}, unique(output + "/scaled")).output(0);
    const std::string erf = node("Erf", {scaled}, unique(output + "/erf")).output(0);
    const std::string one_plus = node("Add", {erf, constant(output + "/one", Tensor::scalar(1.0))}, unique(output + "/one_plus")).output(0);
    const std::string product = node("Mul", {input, one_plus}, unique(output + "/product")).output(0);
    return node("Mul", {product, constant(output + "/half", Tensor::scalar(0.5))}, output).output(0);
  }
  if (name == "silu" || name == "swish") {
    const std::string s = node("Sigmoid", {input}, unique(output + "/sigmoid")).output(0);
    return node("Mul", {input, s}, output).output(0);
  }
  throw Unsupported("activation '" + name + "' has no ONNX export");
}

const std::map<std::string, Exporter::Family>& Exporter::families() {
  static const std::map<std::string, Family> table = {
      {"Conv1D", &Exporter::export_conv_pool},
      {"Conv1DTranspose", &Exporter::export_conv_pool},
      {"MaxPooling1D", &Exporter::export_conv_pool},
      {"AveragePooling1D", &Exporter::export_conv_pool},
      {"GlobalAveragePooling1D", &Exporter::export_conv_pool},
      {"GlobalMaxPooling1D", &Exporter::export_conv_pool},
      {"Conv2D", &Exporter::export_conv_pool},
      {"Conv2DTranspose", &Exporter::export_conv_pool},
      {"MaxPooling2D", &Exporter::export_conv_pool},
      {"AveragePooling2D", &Exporter::export_conv_pool},
      {"GlobalAveragePooling2D", &Exporter::export_conv_pool},
      {"GlobalMaxPooling2D", &Exporter::export_conv_pool},
      {"Conv3D", &Exporter::export_conv_pool},
      {"Conv3DTranspose", &Exporter::export_conv_pool},
      {"MaxPooling3D", &Exporter::export_conv_pool},
      {"AveragePooling3D", &Exporter::export_conv_pool},
      {"GlobalAveragePooling3D", &Exporter::export_conv_pool},
      {"GlobalMaxPooling3D", &Exporter::export_conv_pool},
      {"DepthwiseConv1D", &Exporter::export_conv_pool},
      {"SeparableConv1D", &Exporter::export_conv_pool},
      {"DepthwiseConv2D", &Exporter::export_conv_pool},
      {"SeparableConv2D", &Exporter::export_conv_pool},
      {"BatchNormalization", &Exporter::export_conv_pool},
      {"LayerNormalization", &Exporter::export_conv_pool},
      {"GroupNormalization", &Exporter::export_conv_pool},
      {"Resize", &Exporter::export_conv_pool},
      {"Activation", &Exporter::export_activations},
      {"ReLU", &Exporter::export_activations},
      {"LeakyReLU", &Exporter::export_activations},
      {"ELU", &Exporter::export_activations},
      {"PReLU", &Exporter::export_activations},
      {"Softmax", &Exporter::export_activations},
      {"ParametricActivation", &Exporter::export_activations},
      {"Clip", &Exporter::export_activations},
      {"Dense", &Exporter::export_linear_algebra},
      {"Add", &Exporter::export_linear_algebra},
      {"Multiply", &Exporter::export_linear_algebra},
      {"Arithmetic", &Exporter::export_linear_algebra},
      {"ConstantArithmetic", &Exporter::export_linear_algebra},
      {"MatMul", &Exporter::export_linear_algebra},
      {"Embedding", &Exporter::export_attention},
      {"TokenAndPositionEmbedding", &Exporter::export_attention},
      {"PositionEmbedding", &Exporter::export_attention},
      {"SinePositionEncoding", &Exporter::export_attention},
      {"MultiHeadAttention", &Exporter::export_attention},
      {"Flatten", &Exporter::export_shape_ops},
      {"Reshape", &Exporter::export_shape_ops},
      {"Dropout", &Exporter::export_shape_ops},
      {"Concatenate", &Exporter::export_shape_ops},
      {"ZeroPadding1D", &Exporter::export_shape_ops},
      {"Cropping1D", &Exporter::export_shape_ops},
      {"UpSampling1D", &Exporter::export_shape_ops},
      {"SpatialDropout1D", &Exporter::export_shape_ops},
      {"ZeroPadding2D", &Exporter::export_shape_ops},
      {"Cropping2D", &Exporter::export_shape_ops},
      {"UpSampling2D", &Exporter::export_shape_ops},
      {"SpatialDropout2D", &Exporter::export_shape_ops},
      {"ZeroPadding3D", &Exporter::export_shape_ops},
      {"Cropping3D", &Exporter::export_shape_ops},
      {"UpSampling3D", &Exporter::export_shape_ops},
      {"SpatialDropout3D", &Exporter::export_shape_ops},
      {"Permute", &Exporter::export_shape_ops},
      {"Pad", &Exporter::export_shape_ops},
      {"Reduce", &Exporter::export_shape_ops},
      {"Slice", &Exporter::export_shape_ops},
      {"Gather", &Exporter::export_shape_ops},
  };
  return table;
}

std::string Exporter::model(models::Model& m, const std::vector<std::string>& inputs) {
  const std::vector<std::string> outputs = model_outputs(m, inputs);
  if (outputs.size() != 1) throw Unsupported("a nested model with several outputs");
  return outputs.front();
}

std::vector<std::string> Exporter::model_outputs(models::Model& m, const std::vector<std::string>& inputs) {
  std::map<const nn::GraphNode*, std::string> names;
  if (nn::is<models::Sequential>(m)) {
    std::string x = inputs.at(0);
    Shape shape = m.input_shape();
    for (const auto& l : m.layers()) {
      if (dynamic_cast<nn::InputLayer*>(l.get())) continue;
      x = layer(l, {x}, {shape});
      shape = l->compute_output_shape({shape});
    }
    return {x};
  }
  for (std::size_t i = 0; i < m.graph_inputs().size(); ++i) names[m.graph_inputs()[i].get()] = inputs.at(i);
  for (const auto& n : m.graph_nodes()) {
    if (names.count(n.get())) continue;
    if (n->output_count() > 1) {  // an ONNX node has several outputs, but Strata's exporters write one
      problems.push_back("  layer '" + n->layer->name() + "' (" + n->layer->type() +
                         "): its several outputs (return_state) have no ONNX export yet");
      names[n.get()] = unique(n->layer->name());
      continue;
    }
    std::vector<std::string> in;
    std::vector<Shape> shapes;
    for (const auto& p : n->inputs) {
      in.push_back(names.at(p.get()));
      shapes.push_back(p->shape);
    }
    names[n.get()] = layer(n->layer, in, shapes);
  }
  std::vector<std::string> outputs;
  for (const auto& o : m.graph_outputs()) outputs.push_back(names.at(o.get()));
  return outputs;
}

std::string Exporter::layer(const nn::LayerPtr& l, const std::vector<std::string>& in, const std::vector<Shape>& shapes) {
  if (auto* sub = dynamic_cast<models::Model*>(l.get())) return model(*sub, in);
  const std::string type = l->type(), name = unique(l->name());
  const Json c = l->config().at("config");
  try {
    refuse_padding_mask_readers(l, in);
    const auto family = families().find(type);
    if (family == families().end()) throw Unsupported("no ONNX export for this layer type");
    const std::string out = (this->*family->second)(LayerCall{l, type, name, c, in, shapes});
    carry_padding_mask(l, in, shapes, out);
    return out;
  } catch (const Unsupported& e) {
    problems.push_back("  layer '" + l->name() + "' (" + type + "): " + e.what());
    return name;
  }
}

}  // namespace onnx_exporter

using onnx_exporter::Exporter;

namespace {

void set_value_info(onnx::ValueInfoProto& v, const std::string& name, const Shape& example_shape) {
  v.set_name(name);
  auto* t = v.mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  auto* s = t->mutable_shape();
  s->add_dim()->set_dim_param("batch");
  for (auto d : example_shape) s->add_dim()->set_dim_value(d);
}

}  // namespace

void export_onnx(models::Model& model, const std::string& path) {
  model.ensure_built();
  STRATA_CHECK(model.built(), "ONNX export: model '", model.name(), "' is not built (call it once or give its input shape)");
  onnx::ModelProto proto;
  proto.set_producer_name("strata");
  proto.set_producer_version("0.1");
  auto* opset = proto.add_opset_import();
  opset->set_domain("");
  onnx::GraphProto& graph = *proto.mutable_graph();
  graph.set_name(model.name());
  Exporter exporter(graph);
  std::vector<std::string> inputs;
  if (nn::is<models::Sequential>(model)) {
    inputs.push_back("input");
    set_value_info(*graph.add_input(), "input", model.input_shape());
  } else {
    for (const auto& in : model.graph_inputs()) {
      inputs.push_back(in->layer->name());
      set_value_info(*graph.add_input(), in->layer->name(), in->shape);
    }
  }
  const std::vector<std::string> outputs = exporter.model_outputs(model, inputs);
  opset->set_version(exporter.opset());
  proto.set_ir_version(exporter.opset() > 13 ? 8 : 7);  // IR 8 (ONNX 1.10+) is the first to carry opset 17
  if (!exporter.problems.empty()) {
    std::string message = "ONNX export: " + std::to_string(exporter.problems.size()) + " layer(s) have no ONNX equivalent:";
    for (const auto& p : exporter.problems) message += "\n" + p;
    throw Error(message);
  }
  const std::vector<Shape> output_shapes = model.output_shapes();
  for (std::size_t i = 0; i < outputs.size(); ++i) set_value_info(*graph.add_output(), outputs[i], output_shapes[i]);
  std::string bytes;
  STRATA_CHECK(proto.SerializeToString(&bytes), "ONNX export: the model is too large for one protobuf (2 GiB)");
  io::write_file_atomically(path, bytes);
}

}  // namespace strata::interop
