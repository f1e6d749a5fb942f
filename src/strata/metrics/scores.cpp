#include "strata/metrics/scores.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace strata::metrics {
namespace {

std::vector<std::int64_t> labels_of(const Tensor& t, const char* op) {
  STRATA_CHECK(t.dtype() == DType::i64 && t.dim() == 1, op, ": expected i64 class indices [N] but got ",
               shape_str(t.shape()), " ", dtype_name(t.dtype()));
  return t.to_vector<std::int64_t>();
}

void check_pair(const Tensor& a, const Tensor& b, const char* op) {
  STRATA_CHECK(a.dim() >= 1 && b.dim() >= 1 && a.size(0) == b.size(0), op, ": ", shape_str(a.shape()), " and ",
               shape_str(b.shape()), " have different numbers of samples");
  STRATA_CHECK(a.size(0) > 0, op, ": no samples");
}

// sklearn's _binary_clf_curve: cumulative true/false positives at each distinct score, scores descending.
struct Counts {
  std::vector<double> tps, fps, thresholds;
};
Counts binary_counts(const Tensor& y_true, const Tensor& scores, const char* op) {
  check_pair(y_true, scores, op);
  const auto y = y_true.to_vector<double>(), s = scores.to_vector<double>();
  STRATA_CHECK(scores.dim() == 1, op, ": expected scores [N] but got ", shape_str(scores.shape()));
  for (double v : y) STRATA_CHECK(v == 0 || v == 1, op, ": binary labels must be 0 or 1, got ", v);
  std::vector<std::size_t> order(s.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return s[a] > s[b]; });
  Counts c;
  double tp = 0, fp = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    (y[order[i]] == 1 ? tp : fp) += 1;
    if (i + 1 == order.size() || s[order[i + 1]] != s[order[i]]) {
      c.tps.push_back(tp);
      c.fps.push_back(fp);
      c.thresholds.push_back(s[order[i]]);
    }
  }
  return c;
}

double trapezoid(const std::vector<double>& x, const std::vector<double>& y) {
  double area = 0;
  for (std::size_t i = 1; i < x.size(); ++i) area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
  return area;
}

}  // namespace

ConfusionMatrix confusion_matrix(const Tensor& y_true, const Tensor& y_pred, std::int64_t classes) {
  check_pair(y_true, y_pred, "confusion_matrix");
  const auto t = labels_of(y_true, "confusion_matrix"), p = labels_of(y_pred, "confusion_matrix");
  ConfusionMatrix m(classes, std::vector<std::int64_t>(classes, 0));
  for (std::size_t i = 0; i < t.size(); ++i) {
    STRATA_CHECK(t[i] >= 0 && t[i] < classes && p[i] >= 0 && p[i] < classes, "confusion_matrix: label ", t[i],
                 " or prediction ", p[i], " at index ", i, " is outside [0, ", classes, ")");
    ++m[t[i]][p[i]];
  }
  return m;
}

std::vector<PrecisionRecallF1> per_class_scores(const ConfusionMatrix& m) {
  const auto classes = m.size();
  std::vector<PrecisionRecallF1> out(classes);
  for (std::size_t c = 0; c < classes; ++c) {
    double predicted = 0, actual = 0;
    for (std::size_t k = 0; k < classes; ++k) {
      predicted += double(m[k][c]);
      actual += double(m[c][k]);
    }
    const double tp = double(m[c][c]);
    auto& r = out[c];
    r.precision = predicted > 0 ? tp / predicted : 0.0;
    r.recall = actual > 0 ? tp / actual : 0.0;
    r.f1 = r.precision + r.recall > 0 ? 2 * r.precision * r.recall / (r.precision + r.recall) : 0.0;
  }
  return out;
}

PrecisionRecallF1 averaged_scores(const ConfusionMatrix& m, Average average, std::int64_t positive) {
  const auto classes = static_cast<std::int64_t>(m.size());
  const auto per_class = per_class_scores(m);
  if (average == Average::binary) {
    STRATA_CHECK(positive >= 0 && positive < classes, "precision_recall_f1: positive class ", positive,
                 " is outside [0, ", classes, ")");
    return per_class[positive];
  }
  double total = 0, correct = 0;
  std::vector<double> support(classes, 0);
  for (std::int64_t r = 0; r < classes; ++r)
    for (std::int64_t c = 0; c < classes; ++c) {
      support[r] += double(m[r][c]);
      total += double(m[r][c]);
      if (r == c) correct += double(m[r][c]);
    }
  if (average == Average::micro) {
    // Single-label problems: every error is one false positive and one false negative.
    const double acc = total > 0 ? correct / total : 0.0;
    return {acc, acc, acc};
  }
  PrecisionRecallF1 r;
  for (std::int64_t c = 0; c < classes; ++c) {
    const double w = average == Average::macro ? 1.0 / double(classes) : (total > 0 ? support[c] / total : 0.0);
    r.precision += w * per_class[c].precision;
    r.recall += w * per_class[c].recall;
    r.f1 += w * per_class[c].f1;
  }
  return r;
}

std::vector<PrecisionRecallF1> precision_recall_f1_per_class(const Tensor& y_true, const Tensor& y_pred,
                                                             std::int64_t classes) {
  return per_class_scores(confusion_matrix(y_true, y_pred, classes));
}

PrecisionRecallF1 precision_recall_f1(const Tensor& y_true, const Tensor& y_pred, std::int64_t classes, Average average,
                                      std::int64_t positive) {
  return averaged_scores(confusion_matrix(y_true, y_pred, classes), average, positive);
}

double accuracy(const Tensor& y_true, const Tensor& y_pred) {
  check_pair(y_true, y_pred, "accuracy");
  const auto t = labels_of(y_true, "accuracy"), p = labels_of(y_pred, "accuracy");
  double correct = 0;
  for (std::size_t i = 0; i < t.size(); ++i) correct += t[i] == p[i];
  return correct / double(t.size());
}

double binary_accuracy(const Tensor& y_true, const Tensor& scores, double threshold) {
  STRATA_CHECK(y_true.numel() == scores.numel() && y_true.numel() > 0, "binary_accuracy: ", shape_str(y_true.shape()),
               " labels and ", shape_str(scores.shape()), " scores differ in size or are empty");
  const auto t = y_true.to_vector<double>(), s = scores.to_vector<double>();
  double hits = 0;
  for (std::size_t i = 0; i < t.size(); ++i) hits += (s[i] > threshold) == (t[i] > 0.5);
  return hits / double(t.size());
}

double top_k_accuracy(const Tensor& y_true, const Tensor& scores, std::int64_t k) {
  check_pair(y_true, scores, "top_k_accuracy");
  STRATA_CHECK(scores.dim() == 2 && k >= 1, "top_k_accuracy: expected scores [N, K] and k >= 1");
  const auto t = labels_of(y_true, "top_k_accuracy");
  const auto s = scores.to_vector<double>();
  const std::int64_t K = scores.size(1);
  double hits = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const double* row = s.data() + i * K;
    // Rank of the true class: classes scoring higher, plus ties at a higher index (sklearn's order).
    std::int64_t above = 0;
    for (std::int64_t c = 0; c < K; ++c)
      above += row[c] > row[t[i]] || (row[c] == row[t[i]] && c > t[i]);
    hits += above < k;
  }
  return hits / double(t.size());
}

Curve roc_curve(const Tensor& y_true, const Tensor& scores) {
  const Counts c = binary_counts(y_true, scores, "roc_curve");
  const double P = c.tps.back(), N = c.fps.back();
  STRATA_CHECK(P > 0 && N > 0, "roc_curve: only one class is present in y_true; ROC AUC is not defined in that case");
  Curve r;
  r.x.push_back(0);
  r.y.push_back(0);
  r.thresholds.push_back(c.thresholds.front() + 1);  // sklearn 1.2's sentinel above every score
  for (std::size_t i = 0; i < c.tps.size(); ++i) {
    r.x.push_back(c.fps[i] / N);
    r.y.push_back(c.tps[i] / P);
    r.thresholds.push_back(c.thresholds[i]);
  }
  return r;
}

double roc_auc(const Tensor& y_true, const Tensor& scores) {
  const Curve c = roc_curve(y_true, scores);
  return trapezoid(c.x, c.y);
}

double roc_auc_ovr(const Tensor& y_true, const Tensor& probabilities) {
  check_pair(y_true, probabilities, "roc_auc_ovr");
  STRATA_CHECK(probabilities.dim() == 2, "roc_auc_ovr: expected probabilities [N, K] but got ",
               shape_str(probabilities.shape()));
  const auto t = labels_of(y_true, "roc_auc_ovr");
  const std::int64_t K = probabilities.size(1);
  double total = 0;
  for (std::int64_t c = 0; c < K; ++c) {
    std::vector<double> is_c(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) is_c[i] = t[i] == c;
    total += roc_auc(Tensor::from_vector(is_c, {static_cast<std::int64_t>(t.size())}),
                     probabilities.select(1, c).contiguous());
  }
  return total / double(K);
}

Curve precision_recall_curve(const Tensor& y_true, const Tensor& scores) {
  const Counts c = binary_counts(y_true, scores, "precision_recall_curve");
  const double P = c.tps.back();
  Curve r;
  for (std::size_t i = c.tps.size(); i-- > 0;) {  // reversed: recall decreasing
    const double predicted = c.tps[i] + c.fps[i];
    r.y.push_back(predicted > 0 ? c.tps[i] / predicted : 0.0);
    r.x.push_back(P > 0 ? c.tps[i] / P : 1.0);
    r.thresholds.push_back(c.thresholds[i]);
  }
  r.y.push_back(1.0);
  r.x.push_back(0.0);
  return r;
}

double average_precision(const Tensor& y_true, const Tensor& scores) {
  const Curve c = precision_recall_curve(y_true, scores);
  double ap = 0;
  for (std::size_t i = 0; i + 1 < c.x.size(); ++i) ap -= (c.x[i + 1] - c.x[i]) * c.y[i];
  return ap;
}

double log_loss(const Tensor& y_true, const Tensor& probabilities) {
  check_pair(y_true, probabilities, "log_loss");
  STRATA_CHECK(probabilities.dim() == 2, "log_loss: expected probabilities [N, K] but got ", shape_str(probabilities.shape()));
  const auto t = labels_of(y_true, "log_loss");
  const auto p = probabilities.to_vector<double>();
  const std::int64_t K = probabilities.size(1);
  // sklearn's eps="auto": the machine epsilon of the probabilities' type.
  const double eps = probabilities.dtype() == DType::f32 ? double(std::numeric_limits<float>::epsilon())
                                                         : std::numeric_limits<double>::epsilon();
  double total = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    STRATA_CHECK(t[i] >= 0 && t[i] < K, "log_loss: label ", t[i], " is outside [0, ", K, ")");
    double row_sum = 0;
    for (std::int64_t c = 0; c < K; ++c) row_sum += std::clamp(p[i * K + c], eps, 1 - eps);
    total -= std::log(std::clamp(p[i * K + t[i]], eps, 1 - eps) / row_sum);
  }
  return total / double(t.size());
}

namespace {
template <class Fn>
double mean_over(const Tensor& y_true, const Tensor& y_pred, const char* op, Fn&& fn) {
  STRATA_CHECK(y_true.numel() == y_pred.numel() && y_true.numel() > 0, op, ": ", shape_str(y_true.shape()), " and ",
               shape_str(y_pred.shape()), " differ in size or are empty");
  const auto t = y_true.to_vector<double>(), p = y_pred.to_vector<double>();
  double total = 0;
  for (std::size_t i = 0; i < t.size(); ++i) total += fn(t[i] - p[i]);
  return total / double(t.size());
}
}  // namespace

double mean_squared_error(const Tensor& t, const Tensor& p) {
  return mean_over(t, p, "mean_squared_error", [](double d) { return d * d; });
}
double root_mean_squared_error(const Tensor& t, const Tensor& p) { return std::sqrt(mean_squared_error(t, p)); }
double mean_absolute_error(const Tensor& t, const Tensor& p) {
  return mean_over(t, p, "mean_absolute_error", [](double d) { return std::fabs(d); });
}

double r2_score(const Tensor& y_true, const Tensor& y_pred) {
  const double ss_res = mean_squared_error(y_true, y_pred);
  const auto t = y_true.to_vector<double>();
  const double m = std::accumulate(t.begin(), t.end(), 0.0) / double(t.size());
  double ss_tot = 0;
  for (double v : t) ss_tot += (v - m) * (v - m);
  ss_tot /= double(t.size());
  if (ss_tot == 0) return ss_res == 0 ? 1.0 : 0.0;
  return 1.0 - ss_res / ss_tot;
}

}  // namespace strata::metrics
