// layers::Handle: what the layers:: functions (nn/layers.h, and each file of nn/layers/)
// return. Call it on a SymbolicTensor (functional API) or a Variable (eager), pass it to
// Sequential, or reach the layer through ->.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "strata/nn/graph.h"
#include "strata/nn/layer.h"

namespace strata::layers {

template <class T>
class Handle {
 public:
  explicit Handle(std::shared_ptr<T> layer) : layer_(std::move(layer)) {}
  T* operator->() const { return layer_.get(); }
  T& operator*() const { return *layer_; }
  const std::shared_ptr<T>& ptr() const { return layer_; }
  operator nn::LayerPtr() const { return layer_; }  // NOLINT: handles stand for their layer
  nn::SymbolicTensor operator()(const nn::SymbolicTensor& x) const { return (*layer_)(x); }
  nn::SymbolicTensor operator()(const std::vector<nn::SymbolicTensor>& xs) const { return (*layer_)(xs); }
  Variable operator()(const Variable& x, bool training = false) const { return (*layer_)(x, training); }

 private:
  std::shared_ptr<T> layer_;
};

template <class T, class... Args>
Handle<T> make(Args&&... args) {
  return Handle<T>(std::make_shared<T>(std::forward<Args>(args)...));
}

}  // namespace strata::layers
