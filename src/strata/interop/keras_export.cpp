#include "strata/interop/keras_export.h"

#include <map>

#include "strata/nn/layers.h"

namespace strata::interop::keras {
namespace {

using Json = nlohmann::json;

struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What the exporter knows about a tensor: Strata's per-example shape, and (C, H, W) when it is
// a Flatten of feature maps (possibly through Dropout/Activation), whose order Keras differs in.
struct TensorInfo {
  Shape shape;
  Shape flattened_from;
};

// Strata's per-example shape as Keras' batch shape: [null, H, W, C] for images.
Json keras_batch_shape(const Shape& s) {
  Json out = Json::array({nullptr});
  if (s.size() == 3) {
    out.insert(out.end(), {s[1], s[2], s[0]});
  } else {
    for (auto d : s) out.push_back(d);
  }
  return out;
}

// Strata's axis (batch = 0) of an example of rank `rank` as Keras' channels-last axis.
std::int64_t keras_axis(std::int64_t axis, std::size_t rank) {
  if (axis < 0) axis += static_cast<std::int64_t>(rank) + 1;
  if (rank != 3 || axis == 0) return axis;
  return axis == 1 ? 3 : axis - 1;  // C (1) -> 3, H (2) -> 1, W (3) -> 2
}

std::string keras_activation(const std::string& a) { return a.empty() ? "linear" : a; }

Tensor weight_value(const nn::LayerPtr& l, const std::string& name) {
  for (nn::Weight* w : l->weights())
    if (w->name == name) return w->variable.value();
  throw Unsupported("has no weight '" + name + "'");
}

class Describer {
 public:
  Describer(Dialect dialect) : dialect_(dialect) {}
  // The Keras class and config of `l` reading `in`; fills `out.weights`; returns its output info.
  TensorInfo layer(const nn::LayerPtr& l, const std::vector<TensorInfo>& in, ExportedLayer& out, Json& config);

 private:
  // A layer serialized inside another (Bidirectional's, TimeDistributed's "layer").
  Json nested(const std::string& type, const Json& config) const {
    if (dialect_ == Dialect::keras2) return {{"class_name", type}, {"config", config}};
    return {{"module", "keras.layers"}, {"class_name", type}, {"config", config}, {"registered_name", nullptr}};
  }
  Dialect dialect_;
};

Json recurrent_config(const std::string& type, const Json& strata) {
  if (strata.value("return_state", false)) throw Unsupported("return_state (a layer with several outputs)");
  Json c = {{"units", strata.at("units")}, {"activation", keras_activation(strata.at("activation"))},
            {"return_state", false}, {"stateful", false}, {"unroll", false}};
  if (type != "SimpleRNN") c["recurrent_activation"] = keras_activation(strata.at("recurrent_activation"));
  for (const char* k : {"use_bias", "dropout", "recurrent_dropout", "return_sequences", "go_backwards"}) c[k] = strata.at(k);
  if (type == "LSTM") c["unit_forget_bias"] = strata.at("unit_forget_bias");
  if (type == "GRU") c["reset_after"] = strata.at("reset_after");
  return c;
}

TensorInfo Describer::layer(const nn::LayerPtr& l, const std::vector<TensorInfo>& in, ExportedLayer& out, Json& c) {
  const std::string type = l->type();
  const Json strata = l->config().at("config");
  std::vector<Shape> shapes;
  for (const auto& t : in) shapes.push_back(t.shape);
  const Shape& x = shapes.at(0);
  TensorInfo result{l->compute_output_shape(shapes), {}};
  out.class_name = type;
  const auto require_image = [&] {
    if (x.size() != 3) throw Unsupported("expects a (C, H, W) input, got " + shape_str(x));
  };
  const auto spatial_padding = [&](const Json& s) {
    const std::string p = s.value("padding", std::string("valid"));
    if (p != "valid" && p != "same") throw Unsupported("padding '" + p + "' (Keras has only \"valid\" and \"same\")");
    return p;
  };
  if (type == "Conv2D" || type == "DepthwiseConv2D" || type == "SeparableConv2D") {
    require_image();
    c["kernel_size"] = strata.at("kernel_size");
    c["strides"] = strata.at("strides");
    c["padding"] = spatial_padding(strata);
    c["data_format"] = "channels_last";
    c["dilation_rate"] = strata.at("dilation_rate");
    c["activation"] = keras_activation(strata.at("activation"));
    c["use_bias"] = strata.at("use_bias");
    if (type != "DepthwiseConv2D") c["filters"] = strata.at("filters");
    if (type == "Conv2D") c["groups"] = strata.at("groups");
    if (type != "Conv2D") c["depth_multiplier"] = strata.at("depth_multiplier");
  } else if (type == "Dense") {
    if (x.size() != 1) throw Unsupported("on input " + shape_str(x));
    c["units"] = strata.at("units");
    c["activation"] = keras_activation(strata.at("activation"));
    c["use_bias"] = strata.at("use_bias");
  } else if (type == "BatchNormalization") {
    if (x.size() != 1 && x.size() != 3) throw Unsupported("on input " + shape_str(x) + " (Keras normalizes the last axis)");
    c["axis"] = -1;
    for (const char* k : {"momentum", "epsilon", "center", "scale"}) c[k] = strata.at(k);
  } else if (type == "Activation") {
    c["activation"] = keras_activation(strata.at("activation"));
    result.flattened_from = in[0].flattened_from;
  } else if (type == "Dropout") {
    c["rate"] = strata.at("rate");
    c["noise_shape"] = nullptr;
    c["seed"] = nullptr;
    result.flattened_from = in[0].flattened_from;
  } else if (type == "ReLU") {
    c["max_value"] = strata.at("max_value");
    c["negative_slope"] = strata.at("negative_slope");
    c["threshold"] = 0.0;
  } else if (type == "LeakyReLU") {
    c[dialect_ == Dialect::keras3 ? "negative_slope" : "alpha"] = strata.at("negative_slope");
  } else if (type == "ELU") {
    c["alpha"] = strata.at("alpha");
  } else if (type == "Softmax") {
    if (strata.value("log", false)) throw Unsupported("log-softmax (Keras' Softmax has no log form)");
    c["axis"] = keras_axis(strata.at("axis").get<std::int64_t>(), x.size());
  } else if (type == "MaxPooling2D" || type == "AveragePooling2D") {
    require_image();
    if (strata.value("ceil_mode", false) || strata.value("count_include_pad", false))
      throw Unsupported("ceil_mode / count_include_pad (Keras pools have neither)");
    c["pool_size"] = strata.at("pool_size");
    c["strides"] = strata.at("strides");
    c["padding"] = spatial_padding(strata);
    c["data_format"] = "channels_last";
  } else if (type == "GlobalAveragePooling2D" || type == "GlobalMaxPooling2D") {
    require_image();
    c["data_format"] = "channels_last";
    c["keepdims"] = strata.value("keepdims", false);
  } else if (type == "Flatten") {
    c["data_format"] = "channels_last";
    if (x.size() == 3) result.flattened_from = x;
    else if (x.size() > 1) throw Unsupported("of input " + shape_str(x) + " (only feature maps or flat inputs)");
  } else if (type == "Reshape") {
    const Shape target = strata.at("target_shape").get<Shape>();
    if (x.size() != 1 || !in[0].flattened_from.empty() || target.size() == 3)
      throw Unsupported("from " + shape_str(x) + " to " + shape_str(target) +
                        " (element order differs between channels-first and channels-last)");
    c["target_shape"] = target;
  } else if (type == "ZeroPadding2D") {
    require_image();
    c["padding"] = strata.at("padding");
    c["data_format"] = "channels_last";
  } else if (type == "Add" || type == "Multiply") {
  } else if (type == "Concatenate") {
    c["axis"] = keras_axis(strata.at("axis").get<std::int64_t>(), x.size());
  } else if (type == "Embedding") {
    for (const char* k : {"input_dim", "output_dim", "mask_zero"}) c[k] = strata.at(k);
  } else if (type == "Masking") {
    c["mask_value"] = strata.at("mask_value");
  } else if (type == "SimpleRNN" || type == "LSTM" || type == "GRU") {
    c.update(recurrent_config(type, strata));
  } else if (type == "Bidirectional") {
    const Json& inner = strata.at("layer");
    const std::string inner_type = inner.at("class_name");
    Json ic = recurrent_config(inner_type, inner.at("config"));
    ic["name"] = inner.at("config").at("name");
    c["layer"] = nested(inner_type, ic);
    c["merge_mode"] = strata.at("merge_mode");
  } else if (type == "TimeDistributed") {
    const Json& inner = strata.at("layer");
    if (inner.at("class_name") != "Dense" || x.size() != 2)
      throw Unsupported("of " + inner.at("class_name").get<std::string>() + " on " + shape_str(x) + " (only Dense over (time, features))");
    const Json& d = inner.at("config");
    c["layer"] = nested("Dense", {{"name", d.value("name", std::string("dense"))}, {"units", d.at("units")},
                                  {"activation", keras_activation(d.at("activation"))}, {"use_bias", d.at("use_bias")}});
  } else if (type == "PReLU") {
    Json axes = Json::array();
    for (auto a : strata.at("shared_axes").get<std::vector<std::int64_t>>()) axes.push_back(keras_axis(a, x.size()));
    c["shared_axes"] = axes.empty() ? Json() : axes;
  } else {
    throw Unsupported("has no Keras equivalent");
  }
  out.config = c;
  const std::int64_t multiplier = strata.value("depth_multiplier", std::int64_t{1});
  for (const std::string& name : weight_names(type, c)) {
    Tensor w = to_keras_layout(name, weight_value(l, name), multiplier);
    if (type == "Dense" && name == "kernel" && !in[0].flattened_from.empty()) {
      w = dense_rows_to_channels_last(w, in[0].flattened_from);
      out.kernel_rows_from = in[0].flattened_from;
    }
    out.weights.emplace_back(name, w);
  }
  return result;
}

// One layer call of the model: its layer, the steps it reads, and whether it is an input.
struct Step {
  nn::LayerPtr layer;
  std::vector<std::size_t> inputs;
  Shape input_shape;  // input layers only
};

std::vector<Step> steps_of(models::Model& model) {
  std::vector<Step> steps;
  if (nn::is<models::Sequential>(model)) {
    const auto layers = model.layers();
    auto first = layers.begin();
    nn::LayerPtr input;
    if (first != layers.end() && dynamic_cast<nn::InputLayer*>(first->get())) input = *first++;
    else input = std::make_shared<nn::InputLayer>(model.input_shape(), "input_layer");
    steps.push_back({input, {}, model.input_shape()});
    for (auto it = first; it != layers.end(); ++it) steps.push_back({*it, {steps.size() - 1}, {}});
    return steps;
  }
  std::map<const nn::GraphNode*, std::size_t> index;
  for (const auto& node : model.graph_nodes()) {
    STRATA_CHECK(node->output_count() == 1, "Keras export: layer '", node->layer->name(),
                 "' is used for its several outputs (return_state), which the Keras export does not write yet");
    Step s{node->layer, {}, {}};
    if (node->inputs.empty()) s.input_shape = node->shape;
    for (const auto& p : node->inputs) s.inputs.push_back(index.at(p.get()));
    index[node.get()] = steps.size();
    steps.push_back(s);
  }
  return steps;
}

Json keras3_tensor(const std::string& layer, const Shape& shape) {
  return {{"class_name", "__keras_tensor__"},
          {"config", {{"shape", keras_batch_shape(shape)}, {"dtype", "float32"}, {"keras_history", {layer, 0, 0}}}}};
}

}  // namespace

ExportedModel describe(models::Model& model, Dialect dialect, const std::string& what) {
  model.ensure_built();
  STRATA_CHECK(model.built(), what, ": model '", model.name(), "' is not built (call it once or give its input shape)");
  const bool sequential = nn::is<models::Sequential>(model);
  const bool k3 = dialect == Dialect::keras3;
  const std::vector<Step> steps = steps_of(model);
  Describer describer(dialect);
  ExportedModel out;
  std::vector<TensorInfo> info(steps.size());
  std::vector<std::string> problems;
  Json layers = Json::array();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    ExportedLayer exported;
    exported.name = s.layer->name();
    Json c = Json::object();
    Json entry;
    if (s.inputs.empty()) {
      exported.class_name = "InputLayer";
      info[i] = {s.input_shape, {}};
      c[k3 ? "batch_shape" : "batch_input_shape"] = keras_batch_shape(s.input_shape);
      c["dtype"] = "float32";
      c["sparse"] = false;
      c["name"] = exported.name;
    } else {
      std::vector<TensorInfo> in;
      for (auto p : s.inputs) in.push_back(info[p]);
      try {
        info[i] = describer.layer(s.layer, in, exported, c);
      } catch (const std::exception& e) {  // Unsupported, or a config the layer cannot give
        problems.push_back("  layer '" + exported.name + "' (" + s.layer->type() + "): " + e.what());
        continue;
      }
      Json named = {{"name", exported.name}, {"trainable", s.layer->trainable()}, {"dtype", "float32"}};
      named.update(c);
      c = named;
    }
    entry = {{"class_name", exported.class_name}, {"config", c}};
    if (k3) {
      entry = {{"module", "keras.layers"}, {"class_name", exported.class_name}, {"config", c}, {"registered_name", nullptr}};
      if (!s.inputs.empty()) {
        Json shapes = Json::array();
        for (auto p : s.inputs) shapes.push_back(keras_batch_shape(info[p].shape));
        entry["build_config"] = {{"input_shape", shapes.size() == 1 ? shapes[0] : shapes}};
      }
    }
    if (!sequential) {
      entry["name"] = exported.name;
      if (k3) {
        Json args = Json::array();
        for (auto p : s.inputs) args.push_back(keras3_tensor(steps[p].layer->name(), info[p].shape));
        entry["inbound_nodes"] = s.inputs.empty() ? Json::array()
                                 : Json::array({{{"args", s.inputs.size() == 1 ? args : Json::array({args})}, {"kwargs", Json::object()}}});
      } else {
        Json refs = Json::array();
        for (auto p : s.inputs) refs.push_back({steps[p].layer->name(), 0, 0, Json::object()});
        entry["inbound_nodes"] = s.inputs.empty() ? Json::array() : Json::array({refs});
      }
    }
    layers.push_back(entry);
    out.layers.push_back(std::move(exported));
  }
  if (!problems.empty()) {
    std::string message = what + ": " + std::to_string(problems.size()) + " layer(s) have no Keras equivalent:";
    for (const auto& p : problems) message += "\n" + p;
    throw Error(message);
  }
  Json config = {{"name", model.name().empty() ? std::string(sequential ? "sequential" : "functional") : model.name()},
                 {"trainable", true},
                 {"layers", layers}};
  if (!sequential) {
    Json ins = Json::array();
    for (const auto& s : steps)
      if (s.inputs.empty()) ins.push_back({s.layer->name(), 0, 0});
    config["input_layers"] = ins;
    config["output_layers"] = Json::array({{steps.back().layer->name(), 0, 0}});
    STRATA_CHECK(model.graph_output()->layer == steps.back().layer, what, ": the model's output is not its last layer");
  }
  if (k3) {
    out.config = {{"module", "keras"},
                  {"class_name", sequential ? "Sequential" : "Functional"},
                  {"config", config},
                  {"registered_name", sequential ? Json() : Json("Functional")}};
    if (sequential) out.config["build_config"] = {{"input_shape", keras_batch_shape(steps.front().input_shape)}};
    else out.config["module"] = "keras.src.models.functional";
  } else {
    out.config = {{"class_name", sequential ? "Sequential" : "Functional"}, {"config", config},
                  {"keras_version", "2.15.0"}, {"backend", "tensorflow"}};
  }
  return out;
}

}  // namespace strata::interop::keras
