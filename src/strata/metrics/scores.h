// Metrics computed from complete arrays, with scikit-learn's definitions and edge cases:
// a class that is never predicted has precision 0, one never present has recall 0 (sklearn's
// zero_division default); ROC AUC with a single class present is undefined and throws.
// Labels are i64 class indices [N]; scores and probabilities f32/f64.
#pragma once

#include <string>
#include <vector>

#include "strata/tensor/tensor.h"

namespace strata::metrics {

enum class Average { binary, macro, micro, weighted };

using ConfusionMatrix = std::vector<std::vector<std::int64_t>>;  // [true class][predicted class]
ConfusionMatrix confusion_matrix(const Tensor& y_true, const Tensor& y_pred, std::int64_t classes);

struct PrecisionRecallF1 {
  double precision = 0, recall = 0, f1 = 0;
};
// `positive` is the positive class for Average::binary.
PrecisionRecallF1 precision_recall_f1(const Tensor& y_true, const Tensor& y_pred, std::int64_t classes,
                                      Average average, std::int64_t positive = 1);
std::vector<PrecisionRecallF1> precision_recall_f1_per_class(const Tensor& y_true, const Tensor& y_pred,
                                                             std::int64_t classes);
// The same from a confusion matrix: the one place these definitions live (streaming metrics
// and the classification report accumulate a confusion matrix and call these).
std::vector<PrecisionRecallF1> per_class_scores(const ConfusionMatrix& m);
PrecisionRecallF1 averaged_scores(const ConfusionMatrix& m, Average average, std::int64_t positive = 1);

double accuracy(const Tensor& y_true, const Tensor& y_pred);
// Binary accuracy: 0/1 labels against scores thresholded at `threshold` (score > threshold is 1).
double binary_accuracy(const Tensor& y_true, const Tensor& scores, double threshold = 0.5);
// Fraction of rows whose true class is among the k highest scores (ties: lower index first).
double top_k_accuracy(const Tensor& y_true, const Tensor& scores, std::int64_t k);

// Binary curves from 0/1 labels and scores, thresholds at each distinct score (descending).
struct Curve {
  std::vector<double> x, y, thresholds;  // ROC: x = FPR, y = TPR; PR: x = recall, y = precision
};
Curve roc_curve(const Tensor& y_true, const Tensor& scores);
double roc_auc(const Tensor& y_true, const Tensor& scores);
// One-vs-rest macro average over the classes of probabilities [N, K].
double roc_auc_ovr(const Tensor& y_true, const Tensor& probabilities);
// Precision-recall curve as sklearn returns it (recall decreasing, ending at (0, 1)).
Curve precision_recall_curve(const Tensor& y_true, const Tensor& scores);
// Average precision: sum over thresholds of (R_n - R_{n-1}) * P_n.
double average_precision(const Tensor& y_true, const Tensor& scores);

// Cross-entropy of class probabilities [N, K] (rows renormalized, clipped to [eps, 1-eps]).
double log_loss(const Tensor& y_true, const Tensor& probabilities);

double mean_squared_error(const Tensor& y_true, const Tensor& y_pred);
double root_mean_squared_error(const Tensor& y_true, const Tensor& y_pred);
double mean_absolute_error(const Tensor& y_true, const Tensor& y_pred);
// 1 - SS_res / SS_tot; with constant targets: 1 if the predictions are exact, else 0 (sklearn).
double r2_score(const Tensor& y_true, const Tensor& y_pred);

}  // namespace strata::metrics
