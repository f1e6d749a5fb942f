// ONNX export: walks the model's graph and writes one or a few ONNX nodes per layer, reading
// each layer's parameters from its config() and its weights by name.
#include "strata/interop/onnx_export.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <map>

#include "strata/interop/onnx_tensor.h"
#include "strata/io/text_file.h"
#include "strata/nn/layers.h"
#include "strata/ops/ops.h"

namespace strata::interop {
namespace {

using Json = nlohmann::json;

struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Exporter {
 public:
  explicit Exporter(onnx::GraphProto& graph) : g_(graph) {}

  // Emits `layer` reading tensors `inputs` (per-example shapes `shapes`); returns its output name.
  std::string layer(const nn::LayerPtr& layer, const std::vector<std::string>& inputs, const std::vector<Shape>& shapes);
  std::string model(models::Model& model, const std::vector<std::string>& inputs);
  std::vector<std::string> problems;

 private:
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs, const std::string& output);
  std::string constant(const std::string& name, const Tensor& t);
  std::string ints_constant(const std::string& name, const std::vector<std::int64_t>& values);
  std::string unique(const std::string& base);
  std::string activation(const std::string& name, const std::string& input, const std::string& output, double alpha = 0.0);
  static void attr(onnx::NodeProto& n, const std::string& name, std::int64_t v);
  static void attr(onnx::NodeProto& n, const std::string& name, double v);
  static void attr(onnx::NodeProto& n, const std::string& name, const std::string& v);
  static void attr(onnx::NodeProto& n, const std::string& name, const std::vector<std::int64_t>& v);
  // `name` is the layer's output tensor (its unique name in the graph).
  std::string conv(const nn::LayerPtr& l, const std::string& name, const Json& c, const std::string& x, const Shape& in);
  std::string pool(const nn::LayerPtr& l, const std::string& name, const Json& c, const std::string& x, const Shape& in);

  onnx::GraphProto& g_;
  std::map<std::string, int> used_;
};

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
  if (name == "silu" || name == "swish") {
    const std::string s = node("Sigmoid", {input}, unique(output + "/sigmoid")).output(0);
    return node("Mul", {input, s}, output).output(0);
  }
  throw Unsupported("activation '" + name + "' has no ONNX export");
}

namespace {
// ONNX pads [top, left, bottom, right] from a config's padding for input (C, H, W).
std::vector<std::int64_t> onnx_pads(const Json& c, const Shape& in, std::array<std::int64_t, 2> k,
                                    std::array<std::int64_t, 2> s, std::array<std::int64_t, 2> d) {
  const std::string padding = c.value("padding", std::string("valid"));
  if (padding == "same") {
    const auto h = ops::same_padding(in[1], k[0], s[0], d[0]), w = ops::same_padding(in[2], k[1], s[1], d[1]);
    return {h[0], w[0], h[1], w[1]};
  }
  if (padding == "explicit") {
    const auto p = c.at("explicit_padding").get<std::array<std::array<std::int64_t, 2>, 2>>();
    return {p[0][0], p[1][0], p[0][1], p[1][1]};
  }
  return {0, 0, 0, 0};
}
}  // namespace

std::string Exporter::conv(const nn::LayerPtr& l, const std::string& name, const Json& c, const std::string& x,
                           const Shape& in) {
  const std::string type = l->type();
  const auto k = c.at("kernel_size").get<std::array<std::int64_t, 2>>();
  const auto s = c.value("strides", std::array<std::int64_t, 2>{1, 1});
  const auto d = c.value("dilation_rate", std::array<std::int64_t, 2>{1, 1});
  const auto pads = onnx_pads(c, in, k, s, d);
  auto add_conv = [&](const std::string& input, const Tensor& w, const Tensor& b, std::int64_t group, bool spatial,
                      const std::string& output) {
    std::vector<std::string> inputs{input, constant(name + "/" + (spatial ? "kernel" : "pointwise_kernel"), w)};
    if (b.defined()) inputs.push_back(constant(name + "/bias", b));
    auto& n = node("Conv", inputs, output);
    attr(n, "kernel_shape", std::vector<std::int64_t>{w.size(2), w.size(3)});
    if (spatial) {
      attr(n, "strides", std::vector<std::int64_t>{s[0], s[1]});
      attr(n, "dilations", std::vector<std::int64_t>{d[0], d[1]});
      attr(n, "pads", pads);
    }
    attr(n, "group", group);
    return output;
  };
  const std::string act = c.value("activation", std::string());
  const std::string conv_out = act.empty() || act == "linear" ? name : unique(name + "/conv");
  std::string y;
  if (type == "Conv2D") {
    y = add_conv(x, weight(l, "kernel"), weight(l, "bias"), c.value("groups", std::int64_t{1}), true, conv_out);
  } else if (type == "DepthwiseConv2D") {
    y = add_conv(x, weight(l, "depthwise_kernel"), weight(l, "bias"), in[0], true, conv_out);
  } else {  // SeparableConv2D: depthwise then pointwise
    const std::string dw = add_conv(x, weight(l, "depthwise_kernel"), Tensor(), in[0], true, unique(name + "/depthwise"));
    y = add_conv(dw, weight(l, "pointwise_kernel"), weight(l, "bias"), 1, false, conv_out);
  }
  return conv_out == name ? y : activation(act, y, name);
}

std::string Exporter::pool(const nn::LayerPtr& l, const std::string& name, const Json& c, const std::string& x,
                           const Shape& in) {
  const auto k = c.at("pool_size").get<std::array<std::int64_t, 2>>();
  auto s = c.value("strides", std::array<std::int64_t, 2>{0, 0});
  if (s[0] == 0) s = k;
  const bool max = nn::as<nn::Pooling2D>(l)->kind() == kernels::PoolKind::max;
  auto& n = node(max ? "MaxPool" : "AveragePool", {x}, name);
  attr(n, "kernel_shape", std::vector<std::int64_t>{k[0], k[1]});
  attr(n, "strides", std::vector<std::int64_t>{s[0], s[1]});
  attr(n, "pads", onnx_pads(c, in, k, s, {1, 1}));
  if (c.value("ceil_mode", false)) attr(n, "ceil_mode", std::int64_t{1});
  if (!max && c.value("count_include_pad", false)) attr(n, "count_include_pad", std::int64_t{1});
  return name;
}

std::string Exporter::model(models::Model& m, const std::vector<std::string>& inputs) {
  std::map<const nn::GraphNode*, std::string> names;
  if (nn::is<models::Sequential>(m)) {
    std::string x = inputs.at(0);
    Shape shape = m.input_shape();
    for (const auto& l : m.layers()) {
      if (dynamic_cast<nn::InputLayer*>(l.get())) continue;
      x = layer(l, {x}, {shape});
      shape = l->compute_output_shape({shape});
    }
    return x;
  }
  for (std::size_t i = 0; i < m.graph_inputs().size(); ++i) names[m.graph_inputs()[i].get()] = inputs.at(i);
  for (const auto& n : m.graph_nodes()) {
    if (names.count(n.get())) continue;
    std::vector<std::string> in;
    std::vector<Shape> shapes;
    for (const auto& p : n->inputs) {
      in.push_back(names.at(p.get()));
      shapes.push_back(p->shape);
    }
    names[n.get()] = layer(n->layer, in, shapes);
  }
  return names.at(m.graph_output().get());
}

std::string Exporter::layer(const nn::LayerPtr& l, const std::vector<std::string>& in, const std::vector<Shape>& shapes) {
  if (auto* sub = dynamic_cast<models::Model*>(l.get())) return model(*sub, in);
  const std::string type = l->type(), name = unique(l->name());
  const Json c = l->config().at("config");
  const std::string& x = in.at(0);
  try {
    if (type == "Conv2D" || type == "DepthwiseConv2D" || type == "SeparableConv2D") return conv(l, name, c, x, shapes[0]);
    if (type == "MaxPooling2D" || type == "AveragePooling2D") return pool(l, name, c, x, shapes[0]);
    if (type == "Dense") {
      const Tensor k = weight(l, "kernel"), b = weight(l, "bias");
      const std::string act = c.value("activation", std::string());
      const std::string out = act.empty() || act == "linear" ? name : unique(name + "/linear");
      if (shapes[0].size() == 1) {
        std::vector<std::string> args{x, constant(name + "/kernel", k)};
        if (b.defined()) args.push_back(constant(name + "/bias", b));
        node("Gemm", args, out);
      } else {
        const std::string mm = node("MatMul", {x, constant(name + "/kernel", k)}, b.defined() ? unique(name + "/matmul") : out).output(0);
        if (b.defined()) node("Add", {mm, constant(name + "/bias", b)}, out);
      }
      return out == name ? out : activation(act, out, name);
    }
    if (type == "BatchNormalization") {
      const Tensor mean = weight(l, "moving_mean"), var = weight(l, "moving_variance");
      Tensor gamma = weight(l, "gamma"), beta = weight(l, "beta");
      if (!gamma.defined()) gamma = Tensor::ones(mean.shape());
      if (!beta.defined()) beta = Tensor::zeros(mean.shape());
      auto& n = node("BatchNormalization",
                     {x, constant(name + "/gamma", gamma), constant(name + "/beta", beta), constant(name + "/moving_mean", mean),
                      constant(name + "/moving_variance", var)},
                     name);
      attr(n, "epsilon", c.value("epsilon", 1e-3));
      attr(n, "momentum", c.value("momentum", 0.99));
      return name;
    }
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
    if (type == "GlobalAveragePooling2D" || type == "GlobalMaxPooling2D") {
      const bool keep = c.value("keepdims", false);
      const std::string op = type == "GlobalAveragePooling2D" ? "GlobalAveragePool" : "GlobalMaxPool";
      const std::string pooled = node(op, {x}, keep ? name : unique(name + "/pool")).output(0);
      if (keep) return name;
      auto& n = node("Flatten", {pooled}, name);
      attr(n, "axis", std::int64_t{1});
      return name;
    }
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
    if (type == "Add" || type == "Multiply") {
      std::string acc = in[0];
      for (std::size_t i = 1; i < in.size(); ++i)
        acc = node(type == "Add" ? "Add" : "Mul", {acc, in[i]}, i + 1 == in.size() ? name : unique(name + "/partial")).output(0);
      return acc;
    }
    if (type == "Concatenate") {
      auto& n = node("Concat", in, name);
      attr(n, "axis", c.value("axis", std::int64_t{1}));
      return name;
    }
    if (type == "ZeroPadding2D") {
      const auto p = c.at("padding").get<std::array<std::array<std::int64_t, 2>, 2>>();
      return node("Pad", {x, ints_constant(name + "/pads", {0, 0, p[0][0], p[1][0], 0, 0, p[0][1], p[1][1]})}, name).output(0);
    }
    if (type == "Permute") {
      std::vector<std::int64_t> perm{0};
      for (auto d : c.at("dims").get<std::vector<std::int64_t>>()) perm.push_back(d);
      auto& n = node("Transpose", {x}, name);
      attr(n, "perm", perm);
      return name;
    }
    static const std::map<std::string, std::string> arithmetic{
        {"add", "Add"}, {"subtract", "Sub"}, {"multiply", "Mul"}, {"divide", "Div"}};
    if (type == "Arithmetic") {
      if (shapes[0].size() != shapes[1].size()) throw Unsupported("Arithmetic on inputs of different rank");
      return node(arithmetic.at(c.at("op")), {in[0], in[1]}, name).output(0);
    }
    if (type == "ConstantArithmetic") {
      const std::string k = constant(name + "/constant", weight(l, "constant"));
      const bool first = c.value("constant_first", false);
      return node(arithmetic.at(c.at("op")), first ? std::vector<std::string>{k, x} : std::vector<std::string>{x, k}, name).output(0);
    }
    if (type == "MatMul") {
      if (shapes[0].size() != shapes[1].size()) throw Unsupported("MatMul on inputs of different rank");
      return node("MatMul", {in[0], in[1]}, name).output(0);
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
    if (type == "Resize") {
      if (!c.contains("scales")) throw Unsupported("Resize to fixed sizes (only scales export)");
      std::vector<float> scales{1.0f};
      for (double s : c.at("scales").get<std::vector<double>>()) scales.push_back(static_cast<float>(s));
      const std::string roi = constant(name + "/roi", Tensor::zeros({0}));
      auto& n = node("Resize", {x, roi, constant(name + "/scales", Tensor::from_vector(scales, {static_cast<std::int64_t>(scales.size())}))}, name);
      attr(n, "mode", c.at("mode").get<std::string>());
      attr(n, "coordinate_transformation_mode", c.at("coordinate_transformation_mode").get<std::string>());
      attr(n, "nearest_mode", c.at("nearest_mode").get<std::string>());
      return name;
    }
    throw Unsupported("no ONNX export for this layer type");
  } catch (const Unsupported& e) {
    problems.push_back("  layer '" + l->name() + "' (" + type + "): " + e.what());
    return name;
  }
}

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
  proto.set_ir_version(7);
  proto.set_producer_name("strata");
  proto.set_producer_version("0.1");
  auto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
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
  const std::string output = exporter.model(model, inputs);
  if (!exporter.problems.empty()) {
    std::string message = "ONNX export: " + std::to_string(exporter.problems.size()) + " layer(s) have no ONNX equivalent:";
    for (const auto& p : exporter.problems) message += "\n" + p;
    throw Error(message);
  }
  set_value_info(*graph.add_output(), output, model.output_shape());
  std::string bytes;
  STRATA_CHECK(proto.SerializeToString(&bytes), "ONNX export: the model is too large for one protobuf (2 GiB)");
  io::write_file_atomically(path, bytes);
}

}  // namespace strata::interop
