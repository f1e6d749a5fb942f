// Losses by Keras name, as used by compile().
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "strata/ops/ops.h"

namespace strata::train {

struct Loss {
  std::string name;
  // (model output, targets, reduction) -> loss
  std::function<Variable(const Variable&, const Tensor&, ops::Reduction)> fn;
  // Which accuracy "accuracy" means with this loss: "sparse", "categorical" or "binary".
  std::string accuracy_kind = "sparse";
  bool from_logits = false;
  // sparse_categorical_crossentropy only: positions with this label add nothing (Keras' ignore_class).
  std::optional<std::int64_t> ignore_class;
};

// "sparse_categorical_crossentropy" (integer labels), "categorical_crossentropy" (one-hot),
// "binary_crossentropy", "mse"/"mean_squared_error", "mae"/"mean_absolute_error", "huber".
// from_logits: the model outputs logits rather than probabilities (Keras' default is false).
// ignore_class (sparse_categorical_crossentropy only, as Keras): labels equal to it — padding,
// the tokens a masked language model does not predict — add nothing and the mean is over the
// others; outputs may then have any rank [..., C] with labels [...].
Loss loss_by_name(const std::string& name, bool from_logits = false, double label_smoothing = 0.0,
                  std::optional<std::int64_t> ignore_class = std::nullopt);

}  // namespace strata::train
