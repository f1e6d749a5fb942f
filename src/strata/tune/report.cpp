#include "strata/tune/report.h"

#include <cmath>
#include <map>

#include "strata/metrics/plots.h"

namespace strata::tune {
std::vector<std::pair<std::string, std::string>> parameter_plots(const TuneResult& result, const SearchSpace& space,
                                                                 const std::string& objective) {
  std::vector<std::pair<std::string, std::string>> plots;
  for (const auto& p : space.params()) {
    std::map<int, metrics::Series> by_budget;
    for (const auto& t : result.trials) {
      if (!t.ok() || !t.params.contains(p.name)) continue;
      const auto& v = t.params[p.name];
      double x = 0;
      if (p.kind == Param::Kind::choice) {
        for (std::size_t i = 0; i < p.choices.size(); ++i)
          if (p.choices[i] == v) x = double(i);
      } else {
        x = p.log ? std::log10(v.get<double>()) : v.get<double>();
      }
      auto& s = by_budget[t.epochs];
      s.label = std::to_string(t.epochs) + " epochs";
      s.x.push_back(x);
      s.y.push_back(t.mean);
    }
    metrics::ChartOptions o;
    o.points_only = true;
    o.title = objective + " against " + p.name;
    o.y_label = objective + " (mean over folds)";
    if (p.kind == Param::Kind::choice) {
      o.x_label = p.name + ":";
      for (std::size_t i = 0; i < p.choices.size(); ++i)
        o.x_label += " " + std::to_string(i) + "=" + (p.choices[i].is_string() ? p.choices[i].get<std::string>() : p.choices[i].dump());
    } else {
      o.x_label = p.log ? "log10(" + p.name + ")" : p.name;
    }
    std::vector<metrics::Series> series;
    for (auto& [budget, s] : by_budget) series.push_back(std::move(s));
    plots.emplace_back(p.name, metrics::line_chart_svg(series, o));
  }
  return plots;
}

std::string report_html(const TuneResult& result, const SearchSpace& space, const std::string& objective,
                        const std::string& summary) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Hyper-parameter search</title>\n"
                  "<style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em}"
                  ".plots{display:flex;flex-wrap:wrap;gap:1em}</style></head><body>\n";
  h += "<h1>Hyper-parameter search</h1>\n<pre>" + metrics::xml_escape(summary) + "</pre>\n";
  h += "<h2>Trials, best first</h2>\n<pre>" + metrics::xml_escape(result.table()) + "</pre>\n";
  h += "<h2>" + metrics::xml_escape(objective) + " against each parameter</h2>\n<div class=\"plots\">\n";
  for (const auto& [name, svg] : parameter_plots(result, space, objective)) h += "<div>" + svg + "</div>\n";
  return h + "</div>\n</body></html>\n";
}

}  // namespace strata::tune
