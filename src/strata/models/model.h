// Models: the functional Model (a graph of layers from Input to outputs) and Sequential (a
// stack). A Model is itself a Layer, so models nest. Training (compile / fit / evaluate /
// predict) is in train/ and takes any Model.
#pragma once

#include <memory>
#include <unordered_map>
#include <string>
#include <vector>

#include "strata/nn/graph.h"
#include "strata/nn/layer.h"
#include "strata/models/inference_plan.h"

namespace strata::models {

using nn::LayerPtr;
using nn::SymbolicTensor;

struct NamedWeight {
  std::string name;  // "<layer>/<weight>", nested models add "<model>/" in front
  nn::Weight* weight;
};

class Model : public nn::Layer {
 public:
  // Functional: the graph from `inputs` to `outputs` recorded by calling layers on them.
  //   Model({image, metadata}, {class_probabilities, box})
  // A model with several outputs runs them in one pass (call_outputs, predict_outputs); called
  // as a layer inside another model it must have one.
  Model(const std::vector<SymbolicTensor>& inputs, const std::vector<SymbolicTensor>& outputs, std::string name = "");
  Model(const std::vector<SymbolicTensor>& inputs, const SymbolicTensor& output, std::string name = "")
      : Model(inputs, std::vector<SymbolicTensor>{output}, std::move(name)) {}
  Model(const SymbolicTensor& input, const SymbolicTensor& output, std::string name = "")
      : Model(std::vector<SymbolicTensor>{input}, std::vector<SymbolicTensor>{output}, std::move(name)) {}

  std::string type() const override { return "Functional"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

  // Layers in execution order (input layers first), each once.
  virtual std::vector<LayerPtr> layers() const;
  // Throws listing the model's layer names when there is no such layer.
  LayerPtr get_layer(const std::string& name) const;
  void set_trainable(bool trainable) override;

  std::vector<nn::Weight*> weights() override;
  // Every weight with a path unique within this model (the key of saved weights).
  std::vector<NamedWeight> named_weights();
  Variable regularization_loss() override;
  void apply_constraints() override;

  // The graph's input tensors and the output of the (first) node of layer `name`, to build a
  // new model on part of this one (functional models; throws for Sequential and unknown names).
  std::vector<nn::SymbolicTensor> input_tensors() const;
  nn::SymbolicTensor output_of(const std::string& layer_name) const;

  // Keras' summary table: layer (type), output shape, parameters; totals.
  std::string summary();
  // Input shape without the batch axis (the first input's).
  Shape input_shape() const;
  Shape output_shape() const;  // the first output's
  // Every input's / output's shape without the batch axis, and the outputs' layer names (what
  // per-output losses and metrics are called by: "<name>_loss").
  std::vector<Shape> input_shapes() const;
  std::vector<Shape> output_shapes() const;
  std::vector<std::string> output_names() const;
  std::size_t num_inputs() const { return inputs_.empty() ? 1 : inputs_.size(); }
  std::size_t num_outputs() const { return outputs_.empty() ? 1 : outputs_.size(); }
  // Every output for a batch of every input, in one pass over the graph.
  virtual std::vector<Variable> call_outputs(const std::vector<Variable>& inputs, bool training);

  // Builds the model if it knows its input shape (Sequential given an InputLayer or shape).
  virtual void ensure_built() {}

  // The recorded graph of a functional model (empty for Sequential): its input nodes, output
  // node and every node in execution order. For tools that walk the graph (ONNX export).
  const std::vector<std::shared_ptr<nn::GraphNode>>& graph_inputs() const { return inputs_; }
  const std::shared_ptr<nn::GraphNode>& graph_output() const { return outputs_.front(); }
  const std::vector<std::shared_ptr<nn::GraphNode>>& graph_outputs() const { return outputs_; }
  const std::vector<std::size_t>& graph_output_indices() const { return output_indices_; }
  const std::vector<std::shared_ptr<nn::GraphNode>>& graph_nodes() const { return order_; }

  // Runs the model on a batch; `training` switches dropout and batch statistics.
  Variable forward_batch(const Variable& x, bool training) { return call({x}, training); }

 protected:
  Model() = default;  // for Sequential
  Variable forward(const std::vector<Variable>& inputs, bool training) override;
  void layer_config(nlohmann::json& c) const override;
  std::size_t arity() const override { return inputs_.empty() ? 1 : inputs_.size(); }
  void collect_named(const std::string& prefix, std::vector<NamedWeight>& out);

 private:
  std::vector<std::shared_ptr<nn::GraphNode>> inputs_;
  std::vector<std::shared_ptr<nn::GraphNode>> outputs_;
  std::vector<std::size_t> output_indices_;  // which output of each output node (a layer's state, ...)
  std::vector<std::shared_ptr<nn::GraphNode>> order_;  // topological
  std::unordered_map<const nn::GraphNode*, int> uses_;  // how many nodes read each node's output
  std::shared_ptr<const InferencePlan> inference_plan_;  // fused conv groups for no-grad inference
};

class Sequential final : public Model {
 public:
  explicit Sequential(std::vector<LayerPtr> layers = {}, std::string name = "");
  // With the input shape (no batch axis), the model builds at once, so summary() works.
  Sequential(const Shape& input_shape, std::vector<LayerPtr> layers, std::string name = "");

  std::string type() const override { return "Sequential"; }
  std::vector<Variable> call_outputs(const std::vector<Variable>& inputs, bool training) override {
    return {call(inputs, training)};
  }
  Sequential& add(LayerPtr layer);
  LayerPtr pop();
  std::vector<LayerPtr> layers() const override { return layers_; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  void ensure_built() override;

 protected:
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& inputs, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  std::vector<LayerPtr> layers_;
  Shape input_shape_;
};

// Rebuilds a model from Model::config() (architecture only; weights come from a file).
std::shared_ptr<Model> model_from_config(const nlohmann::json& config);

}  // namespace strata::models
