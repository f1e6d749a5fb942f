// Plots as standalone SVG text (no dependencies): line charts for training curves and ROC
// curves, and a heat map for confusion matrices. Embedded inline in the HTML report and also
// written as .svg files for papers and slides.
#pragma once

#include <string>
#include <vector>

namespace strata::metrics {

struct Series {
  std::string label;
  std::vector<double> x, y;
};

struct ChartOptions {
  std::string title, x_label, y_label;
  int width = 560, height = 360;
  bool unit_square = false;  // axes fixed to [0, 1] with the diagonal drawn (ROC)
  bool points_only = false;  // a scatter plot: markers, no connecting lines
};

// Text made safe inside HTML/SVG elements and attribute values (< > & ").
std::string xml_escape(const std::string& text);

std::string line_chart_svg(const std::vector<Series>& series, const ChartOptions& options);
// Cell (r, c) shaded by its count relative to its row total; counts printed in the cells.
std::string heatmap_svg(const std::vector<std::vector<std::int64_t>>& matrix, const std::vector<std::string>& labels,
                        const std::string& title);

}  // namespace strata::metrics
