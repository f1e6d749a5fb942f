// One self-contained HTML page about a training run (opens offline: plots are inline SVG,
// images are data: URIs): training and validation curves, the classification report, the
// confusion matrix as a heat map, one-vs-rest ROC curves with their AUC, and the test images
// the model got wrong most confidently.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "strata/metrics/classification.h"
#include "strata/metrics/plots.h"

namespace strata::metrics {

struct Misclassified {
  std::vector<unsigned char> png;  // the image, encoded
  std::string truth, predicted;
  double confidence = 0;  // the predicted class's probability
};

struct RunReport {
  std::string title;
  std::map<std::string, std::vector<double>> history;  // per-epoch values, as History::values
  std::vector<std::string> class_names;
  ClassificationReport classification;
  std::vector<Series> roc;  // one per class, label "<class> (AUC 0.987)"
  double roc_auc_macro = 0;  // over the classes that have a curve
  std::vector<std::string> roc_skipped;  // classes with no example (or only examples) in the data: no curve
  std::vector<Misclassified> misclassified;
};

struct RenderedReport {
  std::string html;
  std::map<std::string, std::string> svg_files;  // file name -> SVG, for papers and slides
};

RenderedReport render_report(const RunReport& report);
std::string base64(const std::vector<unsigned char>& bytes);

}  // namespace strata::metrics
