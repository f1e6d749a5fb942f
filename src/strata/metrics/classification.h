// Classification metrics from a confusion matrix, with scikit-learn's conventions
// (precision or recall of a class with no predictions / no samples is 0).
#pragma once

#include <string>
#include <vector>

#include "strata/tensor/tensor.h"

namespace strata::metrics {

struct ClassMetrics {
  double precision = 0, recall = 0, f1 = 0;
  std::int64_t support = 0;
};

struct ClassificationReport {
  std::vector<std::vector<std::int64_t>> confusion;  // [true class][predicted class]
  std::vector<ClassMetrics> per_class;
  ClassMetrics macro_avg, weighted_avg;
  double accuracy = 0;
  std::int64_t total = 0;

  // scikit-learn's text layout plus the confusion matrix; class_names may be empty.
  std::string to_string(const std::vector<std::string>& class_names = {}) const;
};

// y_true and y_pred are i64 class indices in [0, num_classes) of equal length.
ClassificationReport classification_report(const Tensor& y_true, const Tensor& y_pred, std::int64_t num_classes);

}  // namespace strata::metrics
