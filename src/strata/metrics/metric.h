// Streaming metrics: update() batch by batch, result() at any time; the same value as the
// functions of scores.h on everything at once. Usable standalone and by name in compile().
//
// Inputs per batch: y_true (i64 class indices [B], or 0/1 / real targets), and the model's
// output (class scores or probabilities [B, K], a single score [B] or [B, 1], or regression
// values).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "strata/metrics/scores.h"

namespace strata::metrics {

class Metric {
 public:
  virtual ~Metric() = default;
  virtual std::string name() const = 0;
  virtual void update(const Tensor& y_true, const Tensor& output) = 0;
  virtual double result() const = 0;
  virtual void reset() = 0;
};
using MetricPtr = std::unique_ptr<Metric>;

// By name: "accuracy" (sparse labels vs argmax), "categorical_accuracy" (one-hot targets),
// "binary_accuracy" (threshold 0.5; from_logits: 0), "top_k_accuracy" (k = 5; "top_3_accuracy"...),
// "precision", "recall", "f1" (macro over `classes`; "micro_f1", "weighted_f1", ...),
// "auc" (binary, or one-vs-rest macro for [B, K] probabilities), "average_precision",
// "log_loss", "mse", "rmse", "mae", "r2". Throws listing the names for an unknown one.
MetricPtr make_metric(const std::string& name, std::int64_t classes = 0, bool from_logits = false);

}  // namespace strata::metrics
