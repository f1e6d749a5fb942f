// Hyper-parameter search over a SearchSpace: exhaustive grid, seeded random search, successive
// halving and Hyperband. A candidate's score is the mean of its folds' scores (k-fold cross-
// validation or one held-out split, as the Evaluator defines). Every finished trial is appended
// to a results file (JSON lines) at once, so an interrupted search started again with the same
// file skips the trials it already finished.
//
//   tune::TuneOptions o;
//   o.strategy = "random"; o.trials = 20; o.epochs = 30; o.results_path = "search/results.jsonl";
//   tune::TuneResult r = tune::search(space, evaluator, o);
//   std::cout << r.table();
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/tune/space.h"

namespace strata::tune {

struct FoldScore {
  double value = 0;    // the objective (e.g. the best val_accuracy over the epochs run)
  int best_epoch = 0;  // epochs trained when that value was reached (1-based)
};

// Trains and scores one candidate on one fold. Called from several threads at once when
// TuneOptions::parallel > 1, each call with its own model.
class Evaluator {
 public:
  virtual ~Evaluator() = default;
  virtual int folds() const = 0;
  virtual FoldScore score(const Params& params, int epochs, int fold) = 0;
};

struct TrialResult {
  Params params = Params::object();
  int epochs = 0;                  // the budget it was trained with
  std::vector<FoldScore> folds;
  double mean = 0, stddev = 0;     // of the fold scores (population standard deviation)
  double seconds = 0;
  std::string error;               // non-empty: the trial failed (e.g. the loss became NaN)
  bool resumed = false;            // read back from the results file, not run in this call

  bool ok() const { return error.empty(); }
  // What identifies a trial in the results file: its parameters and budget.
  std::string key() const;
  nlohmann::json to_json() const;
  static TrialResult from_json(const nlohmann::json& j);
};

struct TuneOptions {
  std::string strategy = "random";  // grid, random, halving, hyperband
  // random: candidates drawn; halving: candidates in the first rung; grid: at most this many
  // (0: the whole grid); hyperband: unused (its brackets fix the counts).
  int trials = 20;
  int epochs = 10;      // a candidate's full budget (the last rung of halving and Hyperband)
  int min_epochs = 1;   // halving and Hyperband: the first rung's budget
  int eta = 3;          // halving and Hyperband keep the best 1/eta of each rung
  bool maximize = true;
  std::uint64_t seed = 0;
  double max_seconds = 0;    // wall-clock budget: no trial starts after it (0: none)
  int parallel = 1;          // trials run at once (each with cores / parallel kernel threads)
  std::string results_path;  // JSON lines, appended per trial and read back to resume ("": none)
  // Written as the results file's first line and compared on resume, so one file is never
  // shared by two different searches.
  nlohmann::json signature = nlohmann::json::object();
  // Scores params (e.g. the defaults, {}) as one more full-budget trial for comparison.
  bool baseline = false;
  int verbose = 1;  // 0 silent, 1 a line per trial
};

struct TuneResult {
  std::vector<TrialResult> trials;  // in the order they were scheduled
  TrialResult best;                 // best successful trial at the largest budget reached
  bool has_baseline = false;
  TrialResult baseline;             // TuneOptions::baseline's trial
  bool maximize = true;
  bool out_of_time = false;         // stopped by max_seconds before the schedule finished
  // Successful trials best first, then failed ones: rank, parameters, epochs, mean ± std, time.
  std::string table(std::size_t max_rows = 0) const;
  nlohmann::json to_json() const;
};

// Rungs of successive halving from n candidates: {candidates, epochs} per rung, budgets
// min_epochs * eta^i capped at (and ending with) max_epochs.
std::vector<std::pair<int, int>> halving_rungs(int candidates, int min_epochs, int max_epochs, int eta);
// Hyperband's brackets: {first-rung candidates, first-rung epochs}, most exploratory first.
std::vector<std::pair<int, int>> hyperband_brackets(int min_epochs, int max_epochs, int eta);
// `count` distinct random candidates (fewer when the space has fewer); the first k of a
// longer list are the same as a list of k with the same seed.
std::vector<Params> random_candidates(const SearchSpace& space, int count, std::uint64_t seed);

TuneResult search(const SearchSpace& space, Evaluator& evaluator, const TuneOptions& options);

}  // namespace strata::tune
