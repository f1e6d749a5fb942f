// The symbolic side of the functional API: Input() makes a SymbolicTensor, calling a layer
// on SymbolicTensors records a GraphNode, and Model(inputs, outputs) runs the recorded graph.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "strata/nn/layer.h"

namespace strata::nn {

struct GraphNode {
  LayerPtr layer;  // the InputLayer for graph inputs
  std::vector<std::shared_ptr<GraphNode>> inputs;
  std::vector<std::size_t> input_indices;  // which output of each input node this node reads
  Shape shape;  // without the batch axis (the first output's)
  // A node that runs a layer for all its outputs (Layer::all_outputs): one shape per output;
  // empty for a node with one output.
  std::vector<Shape> output_shapes;
  std::size_t output_count() const { return output_shapes.empty() ? 1 : output_shapes.size(); }
};

class SymbolicTensor {
 public:
  SymbolicTensor() = default;
  static SymbolicTensor make(LayerPtr layer, const std::vector<SymbolicTensor>& inputs, Shape shape);
  // One node for a layer with several outputs, and a tensor for each output.
  static std::vector<SymbolicTensor> make_all(LayerPtr layer, const std::vector<SymbolicTensor>& inputs,
                                              std::vector<Shape> shapes);
  // A handle on an existing node of a recorded graph (to build a new model from part of one).
  static SymbolicTensor of(std::shared_ptr<GraphNode> node, std::size_t index = 0);
  const Shape& shape() const { return index_ == 0 ? node_->shape : node_->output_shapes[index_]; }
  const std::shared_ptr<GraphNode>& node() const { return node_; }
  std::size_t index() const { return index_; }  // which of the node's outputs
  bool defined() const { return node_ != nullptr; }

 private:
  std::shared_ptr<GraphNode> node_;
  std::size_t index_ = 0;
};

// Keras' Input(shape): `shape` excludes the batch axis, e.g. {1, 28, 28}.
SymbolicTensor Input(const Shape& shape, const std::string& name = "");

}  // namespace strata::nn
