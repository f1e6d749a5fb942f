#include "strata/metrics/classification.h"

#include "strata/metrics/scores.h"

#include <algorithm>
#include <cstdio>

namespace strata::metrics {

ClassificationReport classification_report(const Tensor& y_true, const Tensor& y_pred, std::int64_t num_classes) {
  ClassificationReport r;
  r.confusion = confusion_matrix(y_true, y_pred, num_classes);
  const auto per_class = per_class_scores(r.confusion);
  for (std::int64_t c = 0; c < num_classes; ++c) {
    std::int64_t support = 0;
    for (auto v : r.confusion[c]) support += v;
    r.per_class.push_back({per_class[c].precision, per_class[c].recall, per_class[c].f1, support});
    r.total += support;
  }
  auto with_support = [&](const PrecisionRecallF1& s) { return ClassMetrics{s.precision, s.recall, s.f1, r.total}; };
  r.macro_avg = with_support(averaged_scores(r.confusion, Average::macro));
  r.weighted_avg = with_support(averaged_scores(r.confusion, Average::weighted));
  r.accuracy = averaged_scores(r.confusion, Average::micro).precision;
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
