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
  Shape shape;  // without the batch axis
};

class SymbolicTensor {
 public:
  SymbolicTensor() = default;
  static SymbolicTensor make(LayerPtr layer, const std::vector<SymbolicTensor>& inputs, Shape shape);
  // A handle on an existing node of a recorded graph (to build a new model from part of one).
  static SymbolicTensor of(std::shared_ptr<GraphNode> node) {
    SymbolicTensor t;
    t.node_ = std::move(node);
    return t;
  }
  const Shape& shape() const { return node_->shape; }
  const std::shared_ptr<GraphNode>& node() const { return node_; }
  bool defined() const { return node_ != nullptr; }

 private:
  std::shared_ptr<GraphNode> node_;
};

// Keras' Input(shape): `shape` excludes the batch axis, e.g. {1, 28, 28}.
SymbolicTensor Input(const Shape& shape, const std::string& name = "");

}  // namespace strata::nn
