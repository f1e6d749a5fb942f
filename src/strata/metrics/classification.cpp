#include "strata/metrics/classification.h"

#include <algorithm>
#include <cstdio>

namespace strata::metrics {

ClassificationReport classification_report(const Tensor& y_true, const Tensor& y_pred, std::int64_t num_classes) {
  STRATA_CHECK(y_true.dtype() == DType::i64 && y_pred.dtype() == DType::i64,
               "classification_report: expected i64 labels but got ", dtype_name(y_true.dtype()), " and ",
               dtype_name(y_pred.dtype()));
  STRATA_CHECK(y_true.shape() == y_pred.shape() && y_true.dim() == 1, "classification_report: labels ",
               shape_str(y_true.shape()), " and predictions ", shape_str(y_pred.shape()), " must be equal-length vectors");
  const auto t = y_true.to_vector<std::int64_t>(), p = y_pred.to_vector<std::int64_t>();
  ClassificationReport r;
  r.confusion.assign(num_classes, std::vector<std::int64_t>(num_classes, 0));
  for (std::size_t i = 0; i < t.size(); ++i) {
    STRATA_CHECK(t[i] >= 0 && t[i] < num_classes && p[i] >= 0 && p[i] < num_classes, "classification_report: label ",
                 t[i], " or prediction ", p[i], " at index ", i, " is outside [0, ", num_classes, ")");
    ++r.confusion[t[i]][p[i]];
  }
  r.total = static_cast<std::int64_t>(t.size());
  std::int64_t correct = 0;
  for (std::int64_t c = 0; c < num_classes; ++c) {
    std::int64_t predicted = 0, actual = 0;
    for (std::int64_t k = 0; k < num_classes; ++k) {
      predicted += r.confusion[k][c];
      actual += r.confusion[c][k];
    }
    const double tp = double(r.confusion[c][c]);
    correct += r.confusion[c][c];
    ClassMetrics m;
    m.precision = predicted ? tp / predicted : 0.0;
    m.recall = actual ? tp / actual : 0.0;
    m.f1 = (m.precision + m.recall) > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0.0;
    m.support = actual;
    r.per_class.push_back(m);
    r.macro_avg.precision += m.precision / num_classes;
    r.macro_avg.recall += m.recall / num_classes;
    r.macro_avg.f1 += m.f1 / num_classes;
    if (r.total) {
      const double w = double(actual) / double(r.total);
      r.weighted_avg.precision += w * m.precision;
      r.weighted_avg.recall += w * m.recall;
      r.weighted_avg.f1 += w * m.f1;
    }
  }
  r.macro_avg.support = r.weighted_avg.support = r.total;
  r.accuracy = r.total ? double(correct) / double(r.total) : 0.0;
  return r;
}

std::string ClassificationReport::to_string(const std::vector<std::string>& class_names) const {
  const std::size_t k = per_class.size();
  auto name = [&](std::size_t c) { return c < class_names.size() ? class_names[c] : std::to_string(c); };
  std::size_t width = 12;
  for (std::size_t c = 0; c < k; ++c) width = std::max(width, name(c).size());
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%*s  %9s  %9s  %9s  %9s\n", int(width), "", "precision", "recall", "f1-score",
                "support");
  out += line;
  auto row = [&](const std::string& label, const ClassMetrics& m) {
    std::snprintf(line, sizeof line, "%*s  %9.4f  %9.4f  %9.4f  %9lld\n", int(width), label.c_str(), m.precision,
                  m.recall, m.f1, static_cast<long long>(m.support));
    out += line;
  };
  for (std::size_t c = 0; c < k; ++c) row(name(c), per_class[c]);
  out += "\n";
  std::snprintf(line, sizeof line, "%*s  %9s  %9s  %9.4f  %9lld\n", int(width), "accuracy", "", "", accuracy,
                static_cast<long long>(total));
  out += line;
  row("macro avg", macro_avg);
  row("weighted avg", weighted_avg);
  out += "\nconfusion matrix (rows: true class, columns: predicted class)\n";
  std::snprintf(line, sizeof line, "%*s", int(width), "");
  out += line;
  for (std::size_t c = 0; c < k; ++c) {
    std::snprintf(line, sizeof line, " %5zu", c);
    out += line;
  }
  out += "\n";
  for (std::size_t r = 0; r < k; ++r) {
    std::snprintf(line, sizeof line, "%*s", int(width), name(r).c_str());
    out += line;
    for (std::size_t c = 0; c < k; ++c) {
      std::snprintf(line, sizeof line, " %5lld", static_cast<long long>(confusion[r][c]));
      out += line;
    }
    out += "\n";
  }
  return out;
}

}  // namespace strata::metrics
