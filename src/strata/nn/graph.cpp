#include "strata/nn/graph.h"

#include "strata/nn/core_layers.h"

namespace strata::nn {

SymbolicTensor SymbolicTensor::make(LayerPtr layer, const std::vector<SymbolicTensor>& inputs, Shape shape) {
  SymbolicTensor t;
  t.node_ = std::make_shared<GraphNode>();
  t.node_->layer = std::move(layer);
  for (const auto& in : inputs) {
    STRATA_CHECK(in.defined(), "functional API: a layer was called on an undefined tensor");
    t.node_->inputs.push_back(in.node_);
  }
  t.node_->shape = std::move(shape);
  return t;
}

SymbolicTensor Input(const Shape& shape, const std::string& name) {
  auto layer = std::make_shared<InputLayer>(shape, name);
  layer->build_if_needed({shape});
  return SymbolicTensor::make(layer, {}, shape);
}

}  // namespace strata::nn
