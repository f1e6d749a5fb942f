// Weight regularizers (L1, L2, L1L2: a penalty added to the loss) and the max-norm
// constraint (applied to the weights after each optimizer step), as in Keras.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "strata/autograd/variable.h"

namespace strata::nn {

struct Regularizer {
  double l1 = 0.0, l2 = 0.0;

  static Regularizer L1(double l1) { return {l1, 0.0}; }
  static Regularizer L2(double l2) { return {0.0, l2}; }
  static Regularizer L1L2(double l1, double l2) { return {l1, l2}; }
  bool active() const { return l1 != 0.0 || l2 != 0.0; }
  // l1 * sum|w| + l2 * sum(w^2), differentiable in w.
  Variable penalty(const Variable& w) const;
  nlohmann::json config() const;
  static Regularizer from_config(const nlohmann::json& config);  // null -> none
};

// Rescales each output unit's incoming weight vector to norm <= max_value.
struct MaxNorm {
  double max_value = 0.0;  // 0: no constraint
  bool active() const { return max_value > 0.0; }
  // `axes` are the axes that form one unit's vector (the reduction axes of the norm).
  void apply(Tensor& w, const std::vector<std::int64_t>& axes) const;
};

}  // namespace strata::nn
