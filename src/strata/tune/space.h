// A hyper-parameter search space: named parameters that are categorical choices, integer
// ranges or float ranges (uniform or log-uniform), each optionally active only when earlier
// parameters take given values (e.g. momentum only for SGD).
//
//   SearchSpace space;
//   space.choice("optimizer", {"sgd", "adam"})
//        .log_uniform("learning_rate", 1e-4, 1e-1)
//        .uniform("momentum", 0.0, 0.95, {{"optimizer", {"sgd"}}})
//        .integer("units", 16, 256, /*log=*/true);
//
// As JSON (the order of the keys is kept; a condition names parameters above it):
//   {"optimizer": {"choice": ["sgd", "adam"]},
//    "learning_rate": {"float": [1e-4, 1e-1], "log": true, "grid": 4},
//    "momentum": {"float": [0.0, 0.95], "when": {"optimizer": "sgd"}},
//    "units": {"int": [16, 256], "log": true}}
// "grid": N gives the number of points a float (or integer) range takes in a grid search.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/tensor/random.h"

namespace strata::tune {

// One candidate configuration: parameter name -> value (number, string or bool). Only the
// parameters active for the candidate appear.
using Params = nlohmann::json;
// Parameter name -> the values that make a conditional parameter active.
using Condition = std::map<std::string, std::vector<nlohmann::json>>;

struct Param {
  enum class Kind { choice, integer, real };
  std::string name;
  Kind kind = Kind::choice;
  std::vector<nlohmann::json> choices;  // Kind::choice
  double low = 0, high = 0;             // inclusive bounds of integer and real ranges
  bool log = false;                     // sample uniformly in log space
  int grid_points = 0;                  // points of a range in a grid (0: every integer; reals need it)
  Condition when;
};

class SearchSpace {
 public:
  SearchSpace& choice(const std::string& name, std::vector<nlohmann::json> values, Condition when = {});
  SearchSpace& integer(const std::string& name, std::int64_t low, std::int64_t high, bool log = false,
                       Condition when = {}, int grid_points = 0);
  SearchSpace& uniform(const std::string& name, double low, double high, Condition when = {}, int grid_points = 0);
  SearchSpace& log_uniform(const std::string& name, double low, double high, Condition when = {}, int grid_points = 0);

  // Throws naming the parameter and the problem for a malformed description.
  static SearchSpace from_json(const nlohmann::ordered_json& description);
  nlohmann::ordered_json to_json() const;

  const std::vector<Param>& params() const { return params_; }
  const Param& param(const std::string& name) const;
  // Whether `p`'s condition holds for the values chosen so far.
  static bool active(const Param& p, const Params& chosen);

  // One random candidate (each active parameter drawn independently).
  Params sample(Generator& gen) const;
  // Every combination of the active parameters' grid values, in a fixed order (the first
  // parameter varies slowest). Without conditions this is exactly the cartesian product.
  std::vector<Params> grid() const;
  // The values a parameter takes in a grid.
  std::vector<nlohmann::json> grid_values(const Param& p) const;

 private:
  SearchSpace& add(Param p);
  SearchSpace& add_range(const std::string& name, Param::Kind kind, double low, double high, bool log, Condition when,
                         int grid_points);
  std::vector<Param> params_;
};

}  // namespace strata::tune
