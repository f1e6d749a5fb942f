#include "strata/train/losses.h"

namespace strata::train {

Loss loss_by_name(const std::string& name, bool from_logits, double smoothing, std::optional<std::int64_t> ignore_class) {
  using R = ops::Reduction;
  Loss loss{name, nullptr, "sparse", from_logits, ignore_class};
  if (ignore_class) {
    STRATA_CHECK(name == "sparse_categorical_crossentropy", "loss: ignore_class goes with sparse_categorical_crossentropy (",
                 "integer labels), not with \"", name, "\"");
    STRATA_CHECK(smoothing == 0.0, "loss: ignore_class does not combine with label smoothing (got ", smoothing, ")");
    loss.fn = [from_logits, ignored = *ignore_class](const Variable& out, const Tensor& y, R r) {
      return ops::sparse_crossentropy_ignoring(out, y, ignored, from_logits, r);
    };
  } else if (name == "sparse_categorical_crossentropy" || name == "categorical_crossentropy") {
    loss.accuracy_kind = name == "categorical_crossentropy" ? "categorical" : "sparse";
    loss.fn = [from_logits, smoothing](const Variable& out, const Tensor& y, R r) {
      return from_logits ? ops::softmax_cross_entropy(out, y, smoothing, r)
                         : ops::categorical_crossentropy(out, y, smoothing, r);
    };
  } else if (name == "binary_crossentropy") {
    loss.accuracy_kind = "binary";
    loss.fn = [from_logits](const Variable& out, const Tensor& y, R r) {
      return from_logits ? ops::binary_cross_entropy_with_logits(out, y, r) : ops::binary_cross_entropy(out, y, r);
    };
  } else if (name == "mse" || name == "mean_squared_error") {
    loss.fn = [](const Variable& out, const Tensor& y, R r) { return ops::mse_loss(out, y, r); };
  } else if (name == "mae" || name == "mean_absolute_error") {
    loss.fn = [](const Variable& out, const Tensor& y, R r) { return ops::mae_loss(out, y, r); };
  } else if (name == "huber") {
    loss.fn = [](const Variable& out, const Tensor& y, R r) { return ops::huber_loss(out, y, 1.0, r); };
  } else {
    throw Error(detail::concat("loss: unknown name \"", name,
                               "\"; expected sparse_categorical_crossentropy, categorical_crossentropy, "
                               "binary_crossentropy, mse, mae or huber"));
  }
  return loss;
}

}  // namespace strata::train
