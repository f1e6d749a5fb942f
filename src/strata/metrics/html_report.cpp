#include "strata/metrics/html_report.h"
#include "strata/metrics/plots.h"

#include <cstdio>

namespace strata::metrics {
namespace {

std::string number(double v, const char* f = "%.4f") {
  char buf[32];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// Training curves: one chart per quantity that has a validation twin (loss, accuracy, ...).
std::vector<std::pair<std::string, std::string>> curve_charts(const std::map<std::string, std::vector<double>>& h) {
  std::vector<std::pair<std::string, std::string>> charts;
  for (const auto& [key, values] : h) {
    if (key.rfind("val_", 0) == 0 || key == "time" || key == "learning_rate") continue;
    std::vector<Series> series;
    auto add = [&](const std::string& label, const std::vector<double>& v) {
      Series s{label, {}, v};
      for (std::size_t i = 0; i < v.size(); ++i) s.x.push_back(double(i + 1));
      series.push_back(s);
    };
    add("training", values);
    if (h.count("val_" + key)) add("validation", h.at("val_" + key));
    charts.emplace_back("curve_" + key + ".svg",
                        line_chart_svg(series, {key + " per epoch", "epoch", key, 560, 320, false}));
  }
  if (h.count("learning_rate")) {
    Series s{"learning rate", {}, h.at("learning_rate")};
    for (std::size_t i = 0; i < s.y.size(); ++i) s.x.push_back(double(i + 1));
    charts.emplace_back("curve_learning_rate.svg", line_chart_svg({s}, {"learning rate", "epoch", "rate", 560, 320, false}));
  }
  return charts;
}

}  // namespace

std::string base64(const std::vector<unsigned char>& bytes) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const unsigned v = (unsigned(bytes[i]) << 16) | (i + 1 < bytes.size() ? unsigned(bytes[i + 1]) << 8 : 0u) |
                       (i + 2 < bytes.size() ? unsigned(bytes[i + 2]) : 0u);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? table[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? table[v & 63] : '=';
  }
  return out;
}

RenderedReport render_report(const RunReport& r) {
  RenderedReport out;
  std::string& h = out.html;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + xml_escape(r.title) + "</title>\n";
  h += "<style>body{font-family:sans-serif;margin:24px;color:#222}h1{font-size:22px}h2{font-size:18px;margin-top:32px;"
       "border-bottom:1px solid #ddd}.row{display:flex;flex-wrap:wrap;gap:16px}table{border-collapse:collapse}"
       "td,th{padding:3px 10px;text-align:right;border-bottom:1px solid #eee}th:first-child,td:first-child{text-align:left}"
       ".grid{display:flex;flex-wrap:wrap;gap:12px}.grid figure{margin:0;text-align:center;font-size:12px}"
       ".grid img{width:84px;height:84px;image-rendering:pixelated;border:1px solid #ccc}</style></head><body>\n";
  h += "<h1>" + xml_escape(r.title) + "</h1>\n";
  h += "<p>Test accuracy <b>" + number(r.classification.accuracy) + "</b> on " + std::to_string(r.classification.total) +
       " examples; one-vs-rest ROC AUC (macro) <b>" + number(r.roc_auc_macro) + "</b>.</p>\n";

  h += "<section id=\"curves\"><h2>Training curves</h2><div class=\"row\">\n";
  const auto charts = curve_charts(r.history);
  for (const auto& [file, svg] : charts) {
    h += svg;
    out.svg_files[file] = svg;
  }
  if (charts.empty()) h += "<p>No training history was found for this run.</p>\n";
  h += "</div></section>\n";

  h += "<section id=\"classification-report\"><h2>Classification report</h2>\n<table><tr><th>class</th><th>precision</th>"
       "<th>recall</th><th>f1-score</th><th>support</th></tr>\n";
  auto row = [&](const std::string& name, const ClassMetrics& m) {
    h += "<tr><td>" + xml_escape(name) + "</td><td>" + number(m.precision) + "</td><td>" + number(m.recall) + "</td><td>" +
         number(m.f1) + "</td><td>" + std::to_string(m.support) + "</td></tr>\n";
  };
  for (std::size_t c = 0; c < r.classification.per_class.size(); ++c)
    row(c < r.class_names.size() ? r.class_names[c] : std::to_string(c), r.classification.per_class[c]);
  row("macro avg", r.classification.macro_avg);
  row("weighted avg", r.classification.weighted_avg);
  h += "</table></section>\n";

  const std::string heatmap = heatmap_svg(r.classification.confusion, r.class_names, "Confusion matrix");
  out.svg_files["confusion_matrix.svg"] = heatmap;
  h += "<section id=\"confusion-matrix\"><h2>Confusion matrix</h2>\n" + heatmap + "</section>\n";

  const std::string roc = line_chart_svg(r.roc, {"ROC curves (one vs rest)", "false positive rate", "true positive rate",
                                                 720, 480, true});
  out.svg_files["roc_curves.svg"] = roc;
  std::string skipped;
  for (const auto& name : r.roc_skipped) skipped += (skipped.empty() ? "" : ", ") + xml_escape(name);
  if (!skipped.empty())
    skipped = "<p>No curve for " + skipped + ": the evaluated data has no example of it (or nothing else), so its ROC "
              "is not defined; the macro AUC averages the other classes.</p>\n";
  h += "<section id=\"roc-curves\"><h2>ROC curves</h2>\n" + skipped + roc + "</section>\n";

  h += "<section id=\"misclassified\"><h2>Most confidently misclassified test images</h2><div class=\"grid\">\n";
  for (const auto& m : r.misclassified)
    h += "<figure><img alt=\"misclassified\" src=\"data:image/png;base64," + base64(m.png) + "\"><figcaption>true: " +
         xml_escape(m.truth) + "<br>predicted: " + xml_escape(m.predicted) + " (" + number(m.confidence, "%.2f") +
         ")</figcaption></figure>\n";
  if (r.misclassified.empty()) h += "<p>Every test image was classified correctly.</p>\n";
  h += "</div></section>\n</body></html>\n";
  return out;
}

}  // namespace strata::metrics
