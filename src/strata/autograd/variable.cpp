#include "strata/autograd/variable.h"

#include <unordered_set>

#include "strata/tensor/math.h"

namespace strata {
namespace {
thread_local bool g_grad_enabled = true;
}

bool grad_enabled() { return g_grad_enabled; }
NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }

struct Variable::Node {
  Tensor value;
  Tensor grad;
  bool requires_grad = false;
  bool is_result = false;        // made by an op (not a leaf), even after its graph is freed
  std::vector<Variable> inputs;  // empty for leaves
  BackwardFn backward;           // empty for leaves
  Tensor mask;                   // a sequence mask riding along (see Variable::mask)

  // Destroying the last handle to a long chain would otherwise recurse once per node;
  // unlink uniquely owned inputs onto an explicit stack instead.
  ~Node() {
    std::vector<std::shared_ptr<Node>> pending;
    auto release = [&pending](std::vector<Variable>& inputs) {
      for (auto& v : inputs)
        if (v.node_ && v.node_.use_count() == 1) pending.push_back(std::move(v.node_));
      inputs.clear();
    };
    release(inputs);
    while (!pending.empty()) {
      std::shared_ptr<Node> node = std::move(pending.back());
      pending.pop_back();
      release(node->inputs);
    }
  }
};

Variable::Variable(Tensor value, bool requires_grad) : node_(std::make_shared<Node>()) {
  STRATA_CHECK(value.defined(), "Variable: value is undefined");
  STRATA_CHECK(!requires_grad || is_floating(value.dtype()), "Variable: only floating tensors can require grad, got ",
               dtype_name(value.dtype()));
  node_->value = std::move(value);
  node_->requires_grad = requires_grad;
}

Variable::Variable(Tensor value, std::vector<Variable> inputs, BackwardFn backward) : Variable(std::move(value)) {
  if (!g_grad_enabled) return;
  bool any = false;
  for (const auto& v : inputs) any = any || (v.defined() && v.requires_grad());
  if (!any) return;
  node_->requires_grad = true;
  node_->is_result = true;
  node_->inputs = std::move(inputs);
  node_->backward = std::move(backward);
}

const Tensor& Variable::value() const {
  STRATA_CHECK(node_, "Variable: undefined");
  return node_->value;
}
Tensor& Variable::mutable_value() {
  STRATA_CHECK(node_, "Variable: undefined");
  return node_->value;
}
bool Variable::requires_grad() const { return node_ && node_->requires_grad; }
Variable& Variable::set_requires_grad(bool enabled) {
  STRATA_CHECK(is_leaf(), "set_requires_grad: only leaf variables can change requires_grad; detach() first");
  STRATA_CHECK(!enabled || is_floating(dtype()), "set_requires_grad: only floating tensors can require grad, got ",
               dtype_name(dtype()));
  node_->requires_grad = enabled;
  return *this;
}
bool Variable::is_leaf() const { return node_ && !node_->is_result; }
const Tensor& Variable::grad() const {
  STRATA_CHECK(node_, "Variable: undefined");
  return node_->grad;
}
void Variable::zero_grad() {
  if (node_) node_->grad = Tensor();
}

void Variable::accumulate_grad(const Tensor& grad) {
  if (!requires_grad()) return;
  STRATA_CHECK(grad.shape() == shape(), "autograd: gradient of shape ", shape_str(grad.shape()),
               " does not match variable of shape ", shape_str(shape()));
  // Out of place: the incoming tensor may be shared with another node's gradient.
  node_->grad = node_->grad.defined() ? add(node_->grad, grad) : grad;
}

Variable Variable::detach() const { return Variable(value()); }

void Variable::backward(bool retain_graph) {
  STRATA_CHECK(numel() == 1, "backward: called without a gradient on a variable of shape ", shape_str(shape()),
               "; pass the output gradient or reduce to a scalar loss first");
  backward(Tensor::ones(shape(), dtype()), retain_graph);
}

void Variable::backward(const Tensor& grad_output, bool retain_graph) {
  STRATA_CHECK(requires_grad(), "backward: this variable does not require grad (no input of the graph does)");
  // Iterative depth-first search giving a post-order: every node after all of its inputs.
  // `order` owns its nodes so that freeing one node's inputs below cannot free a node that
  // is still to be visited.
  std::vector<std::shared_ptr<Node>> order;
  std::unordered_set<Node*> visited;
  std::vector<std::pair<std::shared_ptr<Node>, std::size_t>> stack{{node_, 0}};
  visited.insert(node_.get());
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->inputs.size()) {
      const std::shared_ptr<Node>& child = node->inputs[next++].node_;
      if (child && child->requires_grad && visited.insert(child.get()).second) stack.push_back({child, 0});
    } else {
      order.push_back(node);
      stack.pop_back();
    }
  }
  accumulate_grad(grad_output);
  // Reverse post-order: a node runs once every consumer has added its share to its grad.
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node* node = it->get();
    if (!node->is_result) continue;  // leaf: keep its gradient
    STRATA_CHECK(node->backward, "backward: the graph through this variable was already freed by an earlier ",
                 "backward(); pass retain_graph=true to backpropagate through it twice");
    if (node->grad.defined()) node->backward(node->inputs, node->grad);
    node->grad = Tensor();  // interior gradients are not kept
    if (!retain_graph) {
      node->backward = nullptr;
      node->inputs.clear();
    }
  }
}

const Tensor& Variable::mask() const {
  static const Tensor none;
  return node_ ? node_->mask : none;
}

void Variable::set_mask(Tensor mask) {
  STRATA_CHECK(node_, "set_mask: the variable is undefined");
  node_->mask = std::move(mask);
}

}  // namespace strata
