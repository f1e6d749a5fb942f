// Reverse-mode automatic differentiation on a dynamic tape.
//
// A Variable wraps a Tensor value. Every differentiable op (ops/) returns a new Variable that
// remembers its inputs and a backward closure; calling backward() on a result walks that
// graph in reverse topological order, iteratively (no recursion, so a chain of 100,000 ops
// is fine), and accumulates gradients into every leaf that requires them.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "strata/tensor/tensor.h"

namespace strata {

class Variable {
 public:
  // Computes the gradients of a node's inputs from the gradient of its output and
  // accumulates them with inputs[i].accumulate_grad(). Closures capture Tensors, never
  // Variables, so the graph holds no cycles.
  using BackwardFn = std::function<void(std::vector<Variable>& inputs, const Tensor& grad_output)>;

  Variable() = default;
  explicit Variable(Tensor value, bool requires_grad = false);
  // An op's result. It joins the graph only when grad mode is on and an input requires grad.
  Variable(Tensor value, std::vector<Variable> inputs, BackwardFn backward);

  bool defined() const { return node_ != nullptr; }
  const Tensor& value() const;
  // Mutable access for optimizers and initializers; changing it does not touch the graph.
  Tensor& mutable_value();
  const Shape& shape() const { return value().shape(); }
  std::int64_t dim() const { return value().dim(); }
  std::int64_t size(std::int64_t axis) const { return value().size(axis); }
  std::int64_t numel() const { return value().numel(); }
  DType dtype() const { return value().dtype(); }

  bool requires_grad() const;
  Variable& set_requires_grad(bool enabled);
  bool is_leaf() const;
  // Accumulated gradient (undefined until backward reaches this variable).
  const Tensor& grad() const;
  void zero_grad();
  void accumulate_grad(const Tensor& grad);

  // Backpropagates from this variable. With no argument it must hold one element (a loss),
  // and the seed gradient is 1. The graph is freed afterwards unless retain_graph is true.
  void backward(bool retain_graph = false);
  void backward(const Tensor& grad_output, bool retain_graph = false);

  // The same value, cut from the graph.
  Variable detach() const;

  // Keras' mask travelling with a sequence (as Keras 3 attaches `_keras_mask` to tensors):
  // [batch, time], nonzero for the time steps that count; undefined when there is none.
  // Embedding(mask_zero) and Masking set it, recurrent layers read it.
  const Tensor& mask() const;
  void set_mask(Tensor mask);

  // True when both handles refer to the same node.
  bool same(const Variable& other) const { return node_ == other.node_; }

 private:
  struct Node;
  std::shared_ptr<Node> node_;
};

// While alive, ops record no graph (inference, optimizer updates, metric computation).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

bool grad_enabled();

}  // namespace strata
