#include "strata/tune/space.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "strata/tensor/error.h"

namespace strata::tune {
namespace {

using ojson = nlohmann::ordered_json;

std::vector<nlohmann::json> as_values(const ojson& v) {
  std::vector<nlohmann::json> out;
  if (v.is_array())
    for (const auto& e : v) out.push_back(nlohmann::json::parse(e.dump()));
  else
    out.push_back(nlohmann::json::parse(v.dump()));
  return out;
}

void check_range(const std::string& name, double low, double high, bool log) {
  STRATA_CHECK(std::isfinite(low) && std::isfinite(high) && low <= high, "search space: \"", name,
               "\" needs low <= high, got [", low, ", ", high, "]");
  STRATA_CHECK(!log || low > 0, "search space: the log range \"", name, "\" needs a positive lower bound, got ", low);
}

}  // namespace

SearchSpace& SearchSpace::add(Param p) {
  STRATA_CHECK(!p.name.empty(), "search space: a parameter needs a name");
  for (const auto& q : params_)
    STRATA_CHECK(q.name != p.name, "search space: parameter \"", p.name, "\" is defined twice");
  for (const auto& condition : p.when) {
    const std::string& other = condition.first;  // a plain name: clang 14 cannot capture structured bindings
    const auto& values = condition.second;
    const bool earlier = std::any_of(params_.begin(), params_.end(), [&](const Param& q) { return q.name == other; });
    STRATA_CHECK(earlier, "search space: the condition of \"", p.name, "\" names \"", other,
                 "\", which is not a parameter defined before it");
    STRATA_CHECK(!values.empty(), "search space: the condition of \"", p.name, "\" on \"", other, "\" lists no values");
  }
  STRATA_CHECK(p.grid_points >= 0, "search space: \"", p.name, "\" grid must be positive");
  params_.push_back(std::move(p));
  return *this;
}

SearchSpace& SearchSpace::choice(const std::string& name, std::vector<nlohmann::json> values, Condition when) {
  STRATA_CHECK(!values.empty(), "search space: the choice \"", name, "\" lists no values");
  Param p;
  p.name = name;
  p.kind = Param::Kind::choice;
  p.choices = std::move(values);
  p.when = std::move(when);
  return add(std::move(p));
}

SearchSpace& SearchSpace::add_range(const std::string& name, Param::Kind kind, double low, double high, bool log,
                                    Condition when, int grid_points) {
  check_range(name, low, high, log);
  Param p;
  p.name = name;
  p.kind = kind;
  p.low = low;
  p.high = high;
  p.log = log;
  p.grid_points = grid_points;
  p.when = std::move(when);
  return add(std::move(p));
}

SearchSpace& SearchSpace::integer(const std::string& name, std::int64_t low, std::int64_t high, bool log, Condition when,
                                  int grid_points) {
  return add_range(name, Param::Kind::integer, double(low), double(high), log, std::move(when), grid_points);
}

SearchSpace& SearchSpace::uniform(const std::string& name, double low, double high, Condition when, int grid_points) {
  return add_range(name, Param::Kind::real, low, high, false, std::move(when), grid_points);
}

SearchSpace& SearchSpace::log_uniform(const std::string& name, double low, double high, Condition when, int grid_points) {
  return add_range(name, Param::Kind::real, low, high, true, std::move(when), grid_points);
}

namespace {
SearchSpace space_from_json(const ojson& description) {
  STRATA_CHECK(description.is_object(), "search space: expected a JSON object of parameters but got ",
               description.type_name());
  SearchSpace space;
  for (const auto& [name, d] : description.items()) {
    // A bare list is a choice; a bare scalar a fixed value.
    if (!d.is_object()) {
      space.choice(name, as_values(d));
      continue;
    }
    static const std::vector<std::string> known = {"choice", "int", "float", "log", "grid", "when"};
    for (const auto& [key, value] : d.items())
      STRATA_CHECK(std::find(known.begin(), known.end(), key) != known.end(), "search space: \"", name,
                   "\" has an unknown key \"", key, "\"; expected choice, int or float, with log, grid and when");
    Condition when;
    if (d.contains("when")) {
      STRATA_CHECK(d["when"].is_object(), "search space: \"", name, "\" when must be an object like {\"optimizer\": \"sgd\"}");
      for (const auto& [other, values] : d["when"].items()) when[other] = as_values(values);
    }
    const bool log = d.value("log", false);
    const int grid = d.value("grid", 0);
    const int kinds = int(d.contains("choice")) + int(d.contains("int")) + int(d.contains("float"));
    STRATA_CHECK(kinds == 1, "search space: \"", name, "\" needs exactly one of choice, int or float");
    if (d.contains("choice")) {
      STRATA_CHECK(d["choice"].is_array(), "search space: \"", name, "\" choice must be a list");
      space.choice(name, as_values(d["choice"]), when);
      continue;
    }
    const ojson& range = d.contains("int") ? d["int"] : d["float"];
    STRATA_CHECK(range.is_array() && range.size() == 2 && range[0].is_number() && range[1].is_number(), "search space: \"",
                 name, "\" range must be [low, high], got ", range.dump());
    if (d.contains("int")) {
      STRATA_CHECK(range[0].is_number_integer() && range[1].is_number_integer(), "search space: \"", name,
                   "\" int range needs integer bounds, got ", range.dump());
      space.integer(name, range[0].get<std::int64_t>(), range[1].get<std::int64_t>(), log, when, grid);
    } else if (log) {
      space.log_uniform(name, range[0].get<double>(), range[1].get<double>(), when, grid);
    } else {
      space.uniform(name, range[0].get<double>(), range[1].get<double>(), when, grid);
    }
  }
  return space;
}
}  // namespace

SearchSpace SearchSpace::from_json(const ojson& description) {
  // A value of the wrong JSON type ("grid": {...}) is the file's fault, said as such.
  try {
    return space_from_json(description);
  } catch (const nlohmann::json::exception& e) {
    throw Error(detail::concat("search space: a value has the wrong type: ", e.what()));
  }
}

nlohmann::ordered_json SearchSpace::to_json() const {
  ojson out = ojson::object();
  for (const auto& p : params_) {
    ojson d;
    if (p.kind == Param::Kind::choice) {
      d["choice"] = ojson::parse(nlohmann::json(p.choices).dump());
    } else if (p.kind == Param::Kind::integer) {
      d["int"] = {std::int64_t(p.low), std::int64_t(p.high)};
    } else {
      d["float"] = {p.low, p.high};
    }
    if (p.log) d["log"] = true;
    if (p.grid_points) d["grid"] = p.grid_points;
    if (!p.when.empty()) d["when"] = ojson::parse(nlohmann::json(p.when).dump());
    out[p.name] = d;
  }
  return out;
}

const Param& SearchSpace::param(const std::string& name) const {
  for (const auto& p : params_)
    if (p.name == name) return p;
  throw Error(detail::concat("search space: no parameter \"", name, "\""));
}

bool SearchSpace::active(const Param& p, const Params& chosen) {
  for (const auto& [other, values] : p.when) {
    if (!chosen.contains(other)) return false;  // the parameter it depends on is itself inactive
    if (std::find(values.begin(), values.end(), chosen[other]) == values.end()) return false;
  }
  return true;
}

Params SearchSpace::sample(Generator& gen) const {
  Params out = Params::object();
  for (const auto& p : params_) {
    if (!active(p, out)) continue;
    switch (p.kind) {
      case Param::Kind::choice:
        out[p.name] = p.choices[gen.below(p.choices.size())];
        break;
      case Param::Kind::integer: {
        // Log-uniform integers: uniform in log over [low, high + 1), floored, so each integer
        // gets the share of log space between it and the next.
        const double v = p.log ? std::exp(gen.uniform(std::log(p.low), std::log(p.high + 1)))
                               : gen.uniform(p.low, p.high + 1);
        out[p.name] = std::clamp<std::int64_t>(std::int64_t(std::floor(v)), std::int64_t(p.low), std::int64_t(p.high));
        break;
      }
      case Param::Kind::real:
        out[p.name] = p.log ? std::exp(gen.uniform(std::log(p.low), std::log(p.high))) : gen.uniform(p.low, p.high);
        break;
    }
  }
  return out;
}

std::vector<nlohmann::json> SearchSpace::grid_values(const Param& p) const {
  if (p.kind == Param::Kind::choice) return p.choices;
  if (p.kind == Param::Kind::integer && p.grid_points == 0) {
    std::vector<nlohmann::json> all;
    for (auto v = std::int64_t(p.low); v <= std::int64_t(p.high); ++v) all.push_back(v);
    return all;
  }
  STRATA_CHECK(p.grid_points > 0, "search space: the float range \"", p.name,
               "\" needs \"grid\": N (points to try) for a grid search");
  std::vector<nlohmann::json> out;
  for (int i = 0; i < p.grid_points; ++i) {
    const double t = p.grid_points == 1 ? 0.0 : double(i) / double(p.grid_points - 1);
    const double v = p.log ? std::exp(std::log(p.low) + t * (std::log(p.high) - std::log(p.low))) : p.low + t * (p.high - p.low);
    if (p.kind == Param::Kind::real) {
      out.push_back(v);
    } else {
      const nlohmann::json rounded = std::int64_t(std::llround(v));
      if (out.empty() || out.back() != rounded) out.push_back(rounded);  // rounding can merge close points
    }
  }
  return out;
}

std::vector<Params> SearchSpace::grid() const {
  std::vector<Params> out;
  // Depth-first over the parameters in order; an inactive parameter adds no branching.
  std::function<void(std::size_t, Params&)> expand = [&](std::size_t i, Params& chosen) {
    if (i == params_.size()) {
      out.push_back(chosen);
      return;
    }
    const Param& p = params_[i];
    if (!active(p, chosen)) {
      expand(i + 1, chosen);
      return;
    }
    for (const auto& v : grid_values(p)) {
      chosen[p.name] = v;
      expand(i + 1, chosen);
      chosen.erase(p.name);
    }
  };
  Params chosen = Params::object();
  expand(0, chosen);
  return out;
}

}  // namespace strata::tune
