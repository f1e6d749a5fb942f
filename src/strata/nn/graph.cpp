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
    t.node_->input_indices.push_back(in.index_);
  }
  t.node_->shape = std::move(shape);
  return t;
}

std::vector<SymbolicTensor> SymbolicTensor::make_all(LayerPtr layer, const std::vector<SymbolicTensor>& inputs,
                                                     std::vector<Shape> shapes) {
  STRATA_CHECK(!shapes.empty(), "functional API: a layer has no outputs");
  const SymbolicTensor first = make(std::move(layer), inputs, shapes[0]);
  if (shapes.size() > 1) first.node_->output_shapes = std::move(shapes);
  std::vector<SymbolicTensor> out;
  for (std::size_t i = 0; i < first.node_->output_count(); ++i) out.push_back(of(first.node_, i));
  return out;
}

SymbolicTensor SymbolicTensor::of(std::shared_ptr<GraphNode> node, std::size_t index) {
  STRATA_CHECK(node && index < node->output_count(), "functional API: output ", index, " of a node with ",
               node ? node->output_count() : 0, " output(s)");
  SymbolicTensor t;
  t.node_ = std::move(node);
  t.index_ = index;
  return t;
}

SymbolicTensor Input(const Shape& shape, const std::string& name) {
  auto layer = std::make_shared<InputLayer>(shape, name);
  layer->build_if_needed({shape});
  return SymbolicTensor::make(layer, {}, shape);
}

}  // namespace strata::nn
