#include "strata/metrics/plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace strata::metrics {
namespace {

const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// A "nice" tick step covering `span` in about 5 steps.
double tick_step(double span) {
  const double raw = span / 5, mag = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

}  // namespace

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

std::string line_chart_svg(const std::vector<Series>& series, const ChartOptions& o) {
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& s : series)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]);
      x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, s.y[i]);
      y1 = std::max(y1, s.y[i]);
    }
  if (o.unit_square || !std::isfinite(x0)) x0 = y0 = 0, x1 = y1 = 1;
  if (x1 == x0) x1 = x0 + 1;
  if (y1 == y0) {  // a constant series: centre it in a band around its value
    const double band = std::max(std::fabs(y0) * 0.1, 1e-12);
    y0 -= band;
    y1 += band;
  }
  const double pad = (y1 - y0) * 0.05;
  if (!o.unit_square) y0 -= pad, y1 += pad;
  std::size_t longest = 0;
  for (const auto& s : series) longest = std::max(longest, s.label.size());
  const int left = 60, right = 40 + 7 * static_cast<int>(longest), top = 36, bottom = 46;
  const double pw = o.width - left - 150, ph = o.height - top - bottom;
  auto X = [&](double v) { return left + (v - x0) / (x1 - x0) * pw; };
  auto Y = [&](double v) { return top + (1 - (v - y0) / (y1 - y0)) * ph; };
  const int width = o.width + right - 150;  // room for the legend
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
                    std::to_string(o.height) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + fmt("%.0f", left + pw / 2) + "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">" +
         xml_escape(o.title) + "</text>\n";
  // grid and ticks
  // Whole-number x (epochs) gets whole-number ticks.
  bool integer_x = !o.unit_square && !o.points_only;
  for (const auto& s : series)
    for (double v : s.x) integer_x = integer_x && v == std::floor(v);
  const double xs = integer_x ? std::max(1.0, std::round(tick_step(x1 - x0))) : tick_step(x1 - x0);
  const double ys = tick_step(y1 - y0);
  auto label = [](double v, double step) { return fmt("%g", std::fabs(v) < step * 1e-6 ? 0.0 : v); };
  for (double v = std::ceil(x0 / xs) * xs; v <= x1 + 1e-9; v += xs)
    svg += "<line x1=\"" + fmt("%.1f", X(v)) + "\" y1=\"" + fmt("%.1f", top) + "\" x2=\"" + fmt("%.1f", X(v)) + "\" y2=\"" +
           fmt("%.1f", top + ph) + "\" stroke=\"#eee\"/><text x=\"" + fmt("%.1f", X(v)) + "\" y=\"" +
           fmt("%.1f", top + ph + 16) + "\" text-anchor=\"middle\">" + label(v, xs) + "</text>\n";
  for (double v = std::ceil(y0 / ys) * ys; v <= y1 + 1e-9; v += ys)
    svg += "<line x1=\"" + fmt("%.1f", left) + "\" y1=\"" + fmt("%.1f", Y(v)) + "\" x2=\"" + fmt("%.1f", left + pw) + "\" y2=\"" +
           fmt("%.1f", Y(v)) + "\" stroke=\"#eee\"/><text x=\"" + fmt("%.1f", left - 6) + "\" y=\"" + fmt("%.1f", Y(v) + 4) +
           "\" text-anchor=\"end\">" + label(v, ys) + "</text>\n";
  svg += "<rect x=\"" + fmt("%.1f", left) + "\" y=\"" + fmt("%.1f", top) + "\" width=\"" + fmt("%.1f", pw) + "\" height=\"" +
         fmt("%.1f", ph) + "\" fill=\"none\" stroke=\"#333\"/>\n";
  svg += "<text x=\"" + fmt("%.1f", left + pw / 2) + "\" y=\"" + std::to_string(o.height - 8) + "\" text-anchor=\"middle\">" +
         xml_escape(o.x_label) + "</text>\n";
  svg += "<text transform=\"translate(14," + fmt("%.1f", top + ph / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
         xml_escape(o.y_label) + "</text>\n";
  if (o.unit_square)
    svg += "<line x1=\"" + fmt("%.1f", X(0)) + "\" y1=\"" + fmt("%.1f", Y(0)) + "\" x2=\"" + fmt("%.1f", X(1)) + "\" y2=\"" +
           fmt("%.1f", Y(1)) + "\" stroke=\"#999\" stroke-dasharray=\"4 4\"/>\n";
  for (std::size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    const char* color = kColors[k % 10];
    std::string points;
    for (std::size_t i = 0; i < s.x.size(); ++i)
      if (std::isfinite(s.y[i])) points += fmt("%.1f", X(s.x[i])) + "," + fmt("%.1f", Y(s.y[i])) + " ";
    if (!o.points_only)
      svg += "<polyline fill=\"none\" stroke=\"" + std::string(color) + "\" stroke-width=\"2\" points=\"" + points + "\"/>\n";
    if (s.x.size() <= 50 || o.points_only)
      for (std::size_t i = 0; i < s.x.size(); ++i)
        if (std::isfinite(s.y[i]))
          svg += "<circle cx=\"" + fmt("%.1f", X(s.x[i])) + "\" cy=\"" + fmt("%.1f", Y(s.y[i])) + "\" r=\"3\" fill=\"" + color + "\"/>\n";
    const double ly = top + 8 + 18.0 * double(k);
    svg += "<line x1=\"" + fmt("%.1f", left + pw + 10) + "\" y1=\"" + fmt("%.1f", ly) + "\" x2=\"" + fmt("%.1f", left + pw + 28) +
           "\" y2=\"" + fmt("%.1f", ly) + "\" stroke=\"" + color + "\" stroke-width=\"3\"/><text x=\"" +
           fmt("%.1f", left + pw + 32) + "\" y=\"" + fmt("%.1f", ly + 4) + "\">" + xml_escape(s.label) + "</text>\n";
  }
  return svg + "</svg>\n";
}

std::string heatmap_svg(const std::vector<std::vector<std::int64_t>>& m, const std::vector<std::string>& labels,
                        const std::string& title) {
  const int n = static_cast<int>(m.size()), cell = n <= 10 ? 44 : 24, left = 110, top = 40;
  const int size = left + n * cell + 20;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(size) + "\" height=\"" +
                    std::to_string(top + n * cell + 110) + "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + std::to_string(left + n * cell / 2) + "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">" +
         xml_escape(title) + "</text>\n";
  for (int r = 0; r < n; ++r) {
    double total = 0;
    for (auto v : m[r]) total += double(v);
    for (int c = 0; c < n; ++c) {
      const double share = total > 0 ? double(m[r][c]) / total : 0.0;
      const int shade = static_cast<int>(255 - 200 * share);
      char fill[16];
      std::snprintf(fill, sizeof fill, "#%02x%02xff", shade, shade);
      svg += "<rect x=\"" + std::to_string(left + c * cell) + "\" y=\"" + std::to_string(top + r * cell) + "\" width=\"" +
             std::to_string(cell) + "\" height=\"" + std::to_string(cell) + "\" fill=\"" + fill + "\" stroke=\"white\"/>";
      svg += "<text x=\"" + std::to_string(left + c * cell + cell / 2) + "\" y=\"" + std::to_string(top + r * cell + cell / 2 + 4) +
             "\" text-anchor=\"middle\" fill=\"" + (share > 0.5 ? "white" : "black") + "\">" + std::to_string(m[r][c]) +
             "</text>\n";
    }
    const std::string label = r < static_cast<int>(labels.size()) ? labels[r] : std::to_string(r);
    svg += "<text x=\"" + std::to_string(left - 6) + "\" y=\"" + std::to_string(top + r * cell + cell / 2 + 4) +
           "\" text-anchor=\"end\">" + xml_escape(label) + "</text>\n";
    svg += "<text transform=\"translate(" + std::to_string(left + r * cell + cell / 2) + "," +
           std::to_string(top + n * cell + 8) + ") rotate(60)\">" + xml_escape(label) + "</text>\n";
  }
  svg += "<text x=\"" + std::to_string(left + n * cell / 2) + "\" y=\"" + std::to_string(top + n * cell + 100) +
         "\" text-anchor=\"middle\">predicted class (rows: true class)</text>\n";
  return svg + "</svg>\n";
}

}  // namespace strata::metrics
