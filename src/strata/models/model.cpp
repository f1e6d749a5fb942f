#include "strata/models/model.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "strata/nn/core_layers.h"
#include "strata/nn/registry.h"
#include "strata/ops/ops.h"

namespace strata::models {

// ---------------------------------------------------------------- functional Model
Model::Model(const std::vector<SymbolicTensor>& inputs, const std::vector<SymbolicTensor>& outputs, std::string name)
    : Layer(std::move(name)) {
  STRATA_CHECK(!inputs.empty() && !outputs.empty(), "Model: needs inputs and outputs");
  for (const auto& in : inputs) {
    STRATA_CHECK(in.defined() && in.node()->inputs.empty() && dynamic_cast<nn::InputLayer*>(in.node()->layer.get()),
                 "Model: inputs must come from Input()");
    inputs_.push_back(in.node());
  }
  for (const auto& out : outputs) {
    STRATA_CHECK(out.defined(), "Model: an output is undefined");
    for (std::size_t k = 0; k < outputs_.size(); ++k)
      STRATA_CHECK(outputs_[k] != out.node() || output_indices_[k] != out.index(), "Model: output '",
                   out.node()->layer->name(), "' is given twice");
    outputs_.push_back(out.node());
    output_indices_.push_back(out.index());
  }
  // Iterative post-order DFS from each output: every node after the nodes it reads.
  std::unordered_set<nn::GraphNode*> visited;
  std::unordered_map<nn::GraphNode*, std::shared_ptr<nn::GraphNode>> owner;
  for (const auto& output : outputs_) {
    if (!visited.insert(output.get()).second) continue;
    owner[output.get()] = output;
    std::vector<std::pair<nn::GraphNode*, std::size_t>> stack{{output.get(), 0}};
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node->inputs.size()) {
        const auto& child = node->inputs[next++];
        owner[child.get()] = child;
        if (visited.insert(child.get()).second) stack.push_back({child.get(), 0});
      } else {
        order_.push_back(owner[node]);
        stack.pop_back();
      }
    }
  }
  for (const auto& node : order_)
    for (const auto& in : node->inputs) ++uses_[in.get()];
  std::set<std::string> names;
  for (const auto& node : order_) {
    if (node->inputs.empty()) {
      bool is_input = false;
      for (const auto& in : inputs_) is_input = is_input || in == node;
      STRATA_CHECK(is_input, "Model: the graph needs input '", node->layer->name(),
                   "', which is not among the model's inputs (graph disconnected)");
    }
  }
  for (const auto& layer : layers())
    STRATA_CHECK(names.insert(layer->name()).second, "Model: two layers are named '", layer->name(),
                 "'; layer names must be unique within a model");
  build_if_needed([&] {
    std::vector<Shape> shapes;
    for (const auto& in : inputs_) shapes.push_back(in->shape);
    return shapes;
  }());
}

Shape Model::compute_output_shape(const std::vector<Shape>&) const {
  return nn::SymbolicTensor::of(outputs_.front(), output_indices_.front()).shape();
}

std::vector<Shape> Model::input_shapes() const {
  if (inputs_.empty()) return {input_shape()};
  std::vector<Shape> out;
  for (const auto& in : inputs_) out.push_back(in->shape);
  return out;
}

std::vector<Shape> Model::output_shapes() const {
  if (outputs_.empty()) return {output_shape()};
  std::vector<Shape> out;
  for (std::size_t k = 0; k < outputs_.size(); ++k) out.push_back(nn::SymbolicTensor::of(outputs_[k], output_indices_[k]).shape());
  return out;
}

std::vector<std::string> Model::output_names() const {
  if (outputs_.empty()) return {layers().back()->name()};
  // A layer's later outputs are named as Keras names the tensors: "<layer>_<index>".
  std::vector<std::string> out;
  for (std::size_t k = 0; k < outputs_.size(); ++k)
    out.push_back(outputs_[k]->layer->name() + (output_indices_[k] ? "_" + std::to_string(output_indices_[k]) : ""));
  return out;
}

std::vector<LayerPtr> Model::layers() const {
  std::vector<LayerPtr> out;
  std::unordered_set<nn::Layer*> seen;
  for (const auto& node : order_)
    if (seen.insert(node->layer.get()).second) out.push_back(node->layer);
  return out;
}

LayerPtr Model::get_layer(const std::string& name) const {
  std::string known;
  for (const auto& layer : layers()) {
    if (layer->name() == name) return layer;
    known += (known.empty() ? "" : ", ") + layer->name();
  }
  throw Error(detail::concat("get_layer: model '", this->name(), "' has no layer named '", name, "'; its layers: ", known));
}

void Model::set_trainable(bool trainable) {
  Layer::set_trainable(trainable);
  for (const auto& layer : layers()) layer->set_trainable(trainable);
}

std::vector<nn::Weight*> Model::weights() {
  std::vector<nn::Weight*> out;
  for (const auto& nw : named_weights()) out.push_back(nw.weight);
  return out;
}

void Model::collect_named(const std::string& prefix, std::vector<NamedWeight>& out) {
  for (const auto& layer : layers()) {
    if (auto* inner = dynamic_cast<Model*>(layer.get())) {
      inner->collect_named(prefix + inner->name() + "/", out);
    } else {
      for (auto* w : layer->weights()) out.push_back({prefix + layer->name() + "/" + w->name, w});
    }
  }
}

std::vector<nn::SymbolicTensor> Model::input_tensors() const {
  STRATA_CHECK(!inputs_.empty(), "model '", name(), "' is not a functional model; it has no graph inputs");
  std::vector<nn::SymbolicTensor> out;
  for (const auto& n : inputs_) out.push_back(nn::SymbolicTensor::of(n));
  return out;
}

nn::SymbolicTensor Model::output_of(const std::string& layer_name) const {
  for (const auto& node : order_)
    if (node->layer && node->layer->name() == layer_name) return nn::SymbolicTensor::of(node);
  get_layer(layer_name);  // throws listing the layers when there is none of that name
  throw Error(detail::concat("model '", name(), "': layer '", layer_name, "' is not in its graph"));
}

std::vector<NamedWeight> Model::named_weights() {
  std::vector<NamedWeight> out;
  collect_named("", out);
  return out;
}

Variable Model::regularization_loss() {
  Variable total;
  for (const auto& layer : layers()) {
    Variable r = layer->regularization_loss();
    if (r.defined()) total = total.defined() ? ops::add(total, r) : r;
  }
  return total;
}

void Model::apply_constraints() {
  for (const auto& layer : layers()) layer->apply_constraints();
}

Variable Model::forward(const std::vector<Variable>& inputs, bool training) {
  STRATA_CHECK(outputs_.size() == 1, "model '", name(), "' has ", outputs_.size(),
               " outputs: run it with call_outputs (or predict_outputs), or use it as a layer only with one output");
  return call_outputs(inputs, training).front();
}

std::vector<Variable> Model::call_outputs(const std::vector<Variable>& inputs, bool training) {
  check_arity(inputs.size());
  std::vector<Shape> shapes;
  for (const auto& v : inputs) {
    STRATA_CHECK(v.dim() >= 1, "model '", name(), "': inputs need a batch axis, got a scalar");
    shapes.emplace_back(v.shape().begin() + 1, v.shape().end());
  }
  build_if_needed(shapes);
  // Inference without gradients runs fused convolution groups (inference_plan.h).
  const bool fuse = !training && !grad_enabled();
  std::vector<const nn::GraphNode*> output_nodes;
  for (const auto& o : outputs_) output_nodes.push_back(o.get());
  if (fuse && !inference_plan_) inference_plan_ = std::make_shared<InferencePlan>(order_, output_nodes);
  std::unordered_map<const nn::GraphNode*, std::vector<Variable>> values;  // every output of each node
  std::unordered_map<const nn::GraphNode*, int> remaining = uses_;
  for (std::size_t i = 0; i < inputs_.size(); ++i) values[inputs_[i].get()] = {inputs[i]};
  // Drops a value once its last reader has run, so inference holds only live activations.
  auto consumed = [&](const nn::GraphNode* in) {
    if (--remaining[in] == 0 && std::find(output_nodes.begin(), output_nodes.end(), in) == output_nodes.end())
      values.erase(in);
  };
  for (const auto& node : order_) {
    if (node->inputs.empty()) continue;
    if (fuse && inference_plan_->inside_group(node.get())) continue;
    if (const FusedConv* group = fuse ? inference_plan_->group_starting_at(node.get()) : nullptr) {
      const nn::GraphNode* in = group->first()->inputs[0].get();
      Variable y = InferencePlan::run(*group, values.at(in).at(group->first()->input_indices[0]));
      consumed(in);
      values[group->last()] = {std::move(y)};
      continue;
    }
    std::vector<Variable> args;
    for (std::size_t i = 0; i < node->inputs.size(); ++i) args.push_back(values.at(node->inputs[i].get()).at(node->input_indices[i]));
    values[node.get()] = node->output_count() > 1 ? node->layer->call_all(args, training)
                                                  : std::vector<Variable>{node->layer->call(args, training)};
    for (const auto& in : node->inputs) consumed(in.get());
  }
  std::vector<Variable> out;
  for (std::size_t k = 0; k < output_nodes.size(); ++k) out.push_back(values.at(output_nodes[k]).at(output_indices_[k]));
  return out;
}

Shape Model::input_shape() const {
  STRATA_CHECK(built(), "model '", name(), "' is not built yet: call it once or give Sequential an input shape");
  return layers().front()->compute_output_shape({});  // the InputLayer's shape
}

Shape Model::output_shape() const { return compute_output_shape({input_shape()}); }

void Model::layer_config(nlohmann::json& c) const {
  nlohmann::json layers_json = nlohmann::json::array();
  std::unordered_map<nn::GraphNode*, std::string> node_names;
  std::unordered_set<nn::Layer*> seen;
  for (const auto& node : order_) {
    STRATA_CHECK(seen.insert(node->layer.get()).second, "Model config: layer '", node->layer->name(),
                 "' is called more than once; shared layers cannot be serialized yet");
    node_names[node.get()] = node->layer->name();
    // A tensor is its layer's name, or [name, index] for a layer's later output.
    const auto tensor_ref = [&](nn::GraphNode* n, std::size_t index) {
      return index == 0 ? nlohmann::json(node_names.at(n)) : nlohmann::json::array({node_names.at(n), index});
    };
    nlohmann::json inbound = nlohmann::json::array();
    for (std::size_t i = 0; i < node->inputs.size(); ++i) inbound.push_back(tensor_ref(node->inputs[i].get(), node->input_indices[i]));
    nlohmann::json entry = node->layer->config();
    entry["inbound_nodes"] = inbound;
    if (node->output_count() > 1) entry["all_outputs"] = true;
    layers_json.push_back(entry);
  }
  c["layers"] = layers_json;
  nlohmann::json input_names = nlohmann::json::array();
  for (const auto& in : inputs_) input_names.push_back(in->layer->name());
  c["input_layers"] = input_names;
  const auto output_ref = [&](std::size_t k) {
    const std::string& name = outputs_[k]->layer->name();
    return output_indices_[k] == 0 ? nlohmann::json(name) : nlohmann::json::array({name, output_indices_[k]});
  };
  if (outputs_.size() == 1 && output_indices_[0] == 0) {
    c["output_layer"] = output_ref(0);
  } else {
    nlohmann::json output_names = nlohmann::json::array();
    for (std::size_t k = 0; k < outputs_.size(); ++k) output_names.push_back(output_ref(k));
    c["output_layers"] = output_names;
  }
}

// ---------------------------------------------------------------- summary
namespace {
std::string batch_shape_str(const Shape& s) {
  std::string out = "(None";
  for (auto d : s) out += ", " + std::to_string(d);
  return out + ")";
}
// `text` in pieces of at most `width` characters, broken at the last space that fits when
// there is one.
std::vector<std::string> wrap(const std::string& text, std::size_t width) {
  std::vector<std::string> lines;
  std::size_t begin = 0;
  while (text.size() - begin > width) {
    std::size_t end = text.rfind(' ', begin + width);
    if (end == std::string::npos || end <= begin) end = begin + width;
    lines.push_back(text.substr(begin, end - begin));
    begin = text[end] == ' ' ? end + 1 : end;
  }
  lines.push_back(text.substr(begin));
  return lines;
}
std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}
}  // namespace

std::string Model::summary() {
  ensure_built();
  STRATA_CHECK(built(), "summary: model '", name(), "' is not built yet; give Sequential an input shape or call it once");
  std::string out = "Model: \"" + name() + "\"\n";
  const std::string rule(79, '_'), double_rule(79, '=');
  char line[256];
  out += rule + "\n";
  std::snprintf(line, sizeof line, " %-36s %-28s %12s\n", "Layer (type)", "Output Shape", "Param #");
  out += line + double_rule + "\n";
  Shape shape = input_shape();
  bool first = true;
  for (const auto& layer : layers()) {
    if (nn::is<nn::InputLayer>(layer) && nn::is<Sequential>(*this)) continue;
    // Output shape: Sequential chains; functional layers report their node's shape.
    if (!dynamic_cast<nn::InputLayer*>(layer.get())) {
      bool found = false;
      for (const auto& node : order_)
        if (node->layer == layer) {
          shape = node->shape;
          found = true;
          break;
        }
      if (!found) shape = layer->compute_output_shape({shape});
    }
    if (!first) out += "\n";
    first = false;
    // A label wider than its column continues on the next lines (as Keras wraps it), so the
    // shape and parameter columns stay aligned.
    const auto label = wrap(layer->name() + " (" + layer->type() + ")", 36);
    std::snprintf(line, sizeof line, " %-36s %-28s %12s\n", label[0].c_str(), batch_shape_str(shape).c_str(),
                  with_commas(layer->count_params()).c_str());
    out += line;
    for (std::size_t i = 1; i < label.size(); ++i) out += " " + label[i] + "\n";
  }
  const std::int64_t total = count_params(), trainable = count_trainable_params();
  out += double_rule + "\n";
  out += "Total params: " + with_commas(total) + "\n";
  out += "Trainable params: " + with_commas(trainable) + "\n";
  out += "Non-trainable params: " + with_commas(total - trainable) + "\n";
  out += rule + "\n";
  return out;
}

// ---------------------------------------------------------------- Sequential
Sequential::Sequential(std::vector<LayerPtr> layers, std::string name) {
  set_name(std::move(name));
  for (auto& l : layers) add(std::move(l));
}

Sequential::Sequential(const Shape& input_shape, std::vector<LayerPtr> layers, std::string name)
    : Sequential(std::move(layers), std::move(name)) {
  build_if_needed({input_shape});
}

Sequential& Sequential::add(LayerPtr layer) {
  STRATA_CHECK(layer != nullptr, "Sequential.add: layer is null");
  if (auto* input = dynamic_cast<nn::InputLayer*>(layer.get())) {
    STRATA_CHECK(layers_.empty(), "Sequential.add: an InputLayer can only come first");
    input_shape_ = input->shape();
  }
  STRATA_CHECK(!built(), "Sequential.add: model '", name(), "' is already built; add layers before its first use");
  layers_.push_back(std::move(layer));
  return *this;
}

LayerPtr Sequential::pop() {
  STRATA_CHECK(!layers_.empty(), "Sequential.pop: the model has no layers");
  LayerPtr last = layers_.back();
  layers_.pop_back();
  return last;
}

void Sequential::ensure_built() {
  if (!built() && !input_shape_.empty()) build_if_needed({input_shape_});
}

Shape Sequential::compute_output_shape(const std::vector<Shape>& in) const {
  Shape shape = in.at(0);
  for (const auto& layer : layers_) shape = layer->compute_output_shape({shape});
  return shape;
}

void Sequential::build(const std::vector<Shape>& in) {
  STRATA_CHECK(!layers_.empty(), "Sequential '", name(), "': has no layers");
  input_shape_ = in.at(0);
  if (!dynamic_cast<nn::InputLayer*>(layers_.front().get()))
    layers_.insert(layers_.begin(), std::make_shared<nn::InputLayer>(input_shape_));
  Shape shape = input_shape_;
  for (const auto& layer : layers_) {
    layer->build_if_needed({shape});
    shape = layer->compute_output_shape({shape});
  }
  std::set<std::string> names;
  for (const auto& layer : layers_)
    STRATA_CHECK(names.insert(layer->name()).second, "Sequential: two layers are named '", layer->name(), "'");
}

Variable Sequential::forward(const std::vector<Variable>& inputs, bool training) {
  Variable x = inputs[0];
  for (const auto& layer : layers_) x = layer->call({x}, training);
  return x;
}

void Sequential::layer_config(nlohmann::json& c) const {
  nlohmann::json layers_json = nlohmann::json::array();
  for (const auto& layer : layers_) layers_json.push_back(layer->config());
  c["layers"] = layers_json;
}

// ---------------------------------------------------------------- from config
namespace {

// Models nest models (a Sequential inside a Functional, ...); real ones a few levels deep. The
// bound keeps a hostile file from recursing until the stack overflows.
constexpr int kMaxModelNesting = 32;

bool is_model_config(const nlohmann::json& lc) {
  const auto type = lc.value("class_name", std::string());
  return type == "Sequential" || type == "Functional";
}

// A tensor reference of a config: a layer's name, or [name, index] for its later output.
SymbolicTensor tensor_named(const std::map<std::string, std::vector<SymbolicTensor>>& tensors, const nlohmann::json& ref,
                            const char* role) {
  const bool indexed = ref.is_array();
  STRATA_CHECK(ref.is_string() || (indexed && ref.size() == 2 && ref[0].is_string() && ref[1].is_number_unsigned()),
               "model_from_config: a ", role, " must be a layer name or [name, output index], got ", ref.dump());
  const std::string name = indexed ? ref[0].get<std::string>() : ref.get<std::string>();
  const std::size_t index = indexed ? ref[1].get<std::size_t>() : 0;
  auto it = tensors.find(name);
  STRATA_CHECK(it != tensors.end(), "model_from_config: the ", role, " '", name, "' is not a layer of the model (or comes later)");
  STRATA_CHECK(index < it->second.size(), "model_from_config: the ", role, " '", name, "' has ", it->second.size(),
               " output(s), not an output ", index);
  return it->second[index];
}

std::shared_ptr<Model> model_from_config_at(const nlohmann::json& config, int depth);

LayerPtr layer_or_model_from_config(const nlohmann::json& lc, int depth) {
  return is_model_config(lc) ? LayerPtr(model_from_config_at(lc, depth + 1)) : nn::layer_from_config(lc);
}

std::shared_ptr<Model> model_from_config_at(const nlohmann::json& config, int depth) {
  STRATA_CHECK(config.is_object() && config.contains("class_name") && config.contains("config"),
               "model_from_config: expected {\"class_name\": ..., \"config\": {...}}");
  STRATA_CHECK(depth < kMaxModelNesting, "model_from_config: models nested more than ", kMaxModelNesting,
               " deep; refusing the config");
  const std::string type = config["class_name"].is_string() ? config["class_name"].get<std::string>() : config["class_name"].dump();
  const auto& c = config["config"];
  try {
    std::shared_ptr<Model> model;
    if (type == "Sequential") {
      std::vector<LayerPtr> layers;
      for (const auto& lc : c.at("layers")) layers.push_back(layer_or_model_from_config(lc, depth));
      auto seq = std::make_shared<Sequential>(std::move(layers), c.value("name", std::string()));
      seq->ensure_built();
      model = seq;
    } else if (type == "Functional") {
      std::map<std::string, std::vector<SymbolicTensor>> tensors;  // each layer's outputs
      for (const auto& lc : c.at("layers")) {
        const std::string name = lc.at("config").at("name");
        if (lc.at("class_name") == "InputLayer") {
          nn::check_integer_fields(lc.at("config"), "InputLayer");
          tensors[name] = {nn::Input(lc.at("config").at("shape").get<Shape>(), name)};
          continue;
        }
        LayerPtr layer = layer_or_model_from_config(lc, depth);
        std::vector<SymbolicTensor> args;
        for (const auto& in : lc.at("inbound_nodes")) args.push_back(tensor_named(tensors, in, "layer input"));
        tensors[name] = lc.value("all_outputs", false) ? layer->all_outputs(args) : std::vector<SymbolicTensor>{(*layer)(args)};
      }
      std::vector<SymbolicTensor> inputs;
      for (const auto& in : c.at("input_layers")) inputs.push_back(tensor_named(tensors, in, "input"));
      std::vector<SymbolicTensor> outputs;
      if (c.contains("output_layers")) {
        for (const auto& out : c.at("output_layers")) outputs.push_back(tensor_named(tensors, out, "output"));
      } else {
        outputs.push_back(tensor_named(tensors, c.at("output_layer"), "output"));
      }
      model = std::make_shared<Model>(inputs, outputs, c.value("name", std::string()));
    } else {
      throw Error(detail::concat("model_from_config: expected class Sequential or Functional but got \"", type, "\""));
    }
    if (!c.value("trainable", true)) model->set_trainable(false);
    return model;
  } catch (const nlohmann::json::exception& e) {
    throw Error(detail::concat("model_from_config: bad ", type, " config: ", e.what()));
  }
}

}  // namespace

std::shared_ptr<Model> model_from_config(const nlohmann::json& config) { return model_from_config_at(config, 0); }

}  // namespace strata::models
