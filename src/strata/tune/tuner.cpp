#include "strata/tune/tuner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <omp.h>
#include <set>
#include <sstream>
#include <thread>

#include "strata/tensor/error.h"
#include "strata/tune/results_log.h"

namespace strata::tune {
namespace {

using Clock = std::chrono::steady_clock;

std::string value_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v.get<double>());
    return buf;
  }
  return v.dump();
}

std::string params_text(const Params& p) {
  if (p.empty()) return "(defaults)";
  std::string s;
  for (const auto& [k, v] : p.items()) s += (s.empty() ? "" : " ") + k + "=" + value_text(v);
  return s;
}

// Better first: successful trials by mean in the search's direction, failed ones last.
bool better(const TrialResult& a, const TrialResult& b, bool maximize) {
  if (a.ok() != b.ok()) return a.ok();
  if (!a.ok()) return false;
  return maximize ? a.mean > b.mean : a.mean < b.mean;
}

// Runs lists of trials, in parallel when asked, skipping the ones the results file holds.
class Runner {
 public:
  Runner(Evaluator& evaluator, const TuneOptions& o, ResultsLog& log)
      : evaluator_(evaluator), o_(o), log_(log), start_(Clock::now()), threads_(omp_get_max_threads()) {}

  bool out_of_time() const {
    return o_.max_seconds > 0 && std::chrono::duration<double>(Clock::now() - start_).count() >= o_.max_seconds;
  }
  bool stopped_by_time() const { return stopped_by_time_; }

  // The finished trials of `candidates` at `epochs`, in their order (trials the time budget
  // prevented are missing).
  std::vector<TrialResult> run(const std::vector<Params>& candidates, int epochs, const std::string& stage) {
    std::vector<std::optional<TrialResult>> slots(candidates.size());
    std::vector<std::size_t> todo;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      TrialResult probe;
      probe.params = candidates[i];
      probe.epochs = epochs;
      if (auto done = log_.find(probe.key())) {
        slots[i] = *done;
        report(*done, stage);
      } else {
        todo.push_back(i);
      }
    }
    const int workers = std::max(1, std::min<int>(o_.parallel, static_cast<int>(todo.size())));
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_mutex;
    auto work = [&] {
      for (;;) {
        const std::size_t t = next++;
        if (t >= todo.size()) return;
        {
          std::lock_guard<std::mutex> lock(failure_mutex);
          if (failure) return;
        }
        if (out_of_time()) {
          stopped_by_time_ = true;
          return;
        }
        try {
          TrialResult r = run_one(candidates[todo[t]], epochs);
          log_.append(r);
          report(r, stage);
          slots[todo[t]] = std::move(r);
        } catch (...) {  // an interruption (not a failed trial): stop and hand it to the caller
          std::lock_guard<std::mutex> lock(failure_mutex);
          if (!failure) failure = std::current_exception();
        }
      }
    };
    if (workers == 1) {
      work();
    } else {
      std::vector<std::thread> pool;
      for (int w = 0; w < workers; ++w)
        pool.emplace_back([&] {
          omp_set_num_threads(std::max(1, threads_ / workers));  // the cores, shared between the trials
          work();
        });
      for (auto& th : pool) th.join();
    }
    if (failure) std::rethrow_exception(failure);
    std::vector<TrialResult> out;
    for (auto& s : slots)
      if (s) out.push_back(std::move(*s));
    return out;
  }

 private:
  TrialResult run_one(const Params& params, int epochs) {
    TrialResult r;
    r.params = params;
    r.epochs = epochs;
    const auto begin = Clock::now();
    try {
      for (int f = 0; f < evaluator_.folds(); ++f) {
        const FoldScore s = evaluator_.score(params, epochs, f);
        STRATA_CHECK(std::isfinite(s.value), "the objective is ", s.value, " on fold ", f + 1);
        r.folds.push_back(s);
      }
      double sum = 0, sq = 0;
      for (const auto& s : r.folds) sum += s.value;
      r.mean = sum / double(r.folds.size());
      for (const auto& s : r.folds) sq += (s.value - r.mean) * (s.value - r.mean);
      r.stddev = std::sqrt(sq / double(r.folds.size()));
    } catch (const std::exception& e) {  // a bad candidate fails alone; the search goes on
      r.error = e.what();
      r.folds.clear();
    }
    r.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
    return r;
  }

  void report(const TrialResult& r, const std::string& stage) {
    if (o_.verbose <= 0) return;
    std::lock_guard<std::mutex> lock(print_mutex_);
    ++printed_;
    if (r.ok())
      std::printf("[trial %d%s] %s, %d epochs: %.4f +- %.4f (%.1f s)%s\n", printed_, stage.c_str(),
                  params_text(r.params).c_str(), r.epochs, r.mean, r.stddev, r.seconds, r.resumed ? ", from the results file" : "");
    else
      std::printf("[trial %d%s] %s, %d epochs: failed: %s\n", printed_, stage.c_str(), params_text(r.params).c_str(),
                  r.epochs, r.error.c_str());
    std::fflush(stdout);
  }

  Evaluator& evaluator_;
  const TuneOptions& o_;
  ResultsLog& log_;
  Clock::time_point start_;
  int threads_;
  std::atomic<bool> stopped_by_time_{false};
  std::mutex print_mutex_;
  int printed_ = 0;
};

// Successive halving from `candidates` starting at `first_epochs`; returns every trial run.
std::vector<TrialResult> successive_halving(Runner& runner, std::vector<Params> candidates, int first_epochs,
                                            const TuneOptions& o, const std::string& stage) {
  std::vector<TrialResult> all;
  const auto rungs = halving_rungs(static_cast<int>(candidates.size()), first_epochs, o.epochs, o.eta);
  for (std::size_t r = 0; r < rungs.size(); ++r) {
    const auto [count, epochs] = rungs[r];
    candidates.resize(std::min<std::size_t>(candidates.size(), std::size_t(count)));
    auto results = runner.run(candidates, epochs, stage + ", rung " + std::to_string(r + 1) + "/" + std::to_string(rungs.size()));
    all.insert(all.end(), results.begin(), results.end());
    if (results.size() < candidates.size() || r + 1 == rungs.size()) break;  // out of time, or done
    std::stable_sort(results.begin(), results.end(), [&](const TrialResult& a, const TrialResult& b) { return better(a, b, o.maximize); });
    candidates.clear();
    for (const auto& t : results)
      if (t.ok()) candidates.push_back(t.params);
    if (candidates.empty()) break;
  }
  return all;
}

}  // namespace

std::string TrialResult::key() const { return nlohmann::json{{"epochs", epochs}, {"params", params}}.dump(); }

nlohmann::json TrialResult::to_json() const {
  nlohmann::json scores = nlohmann::json::array(), best_epochs = nlohmann::json::array();
  for (const auto& f : folds) {
    scores.push_back(f.value);
    best_epochs.push_back(f.best_epoch);
  }
  nlohmann::json j{{"params", params}, {"epochs", epochs},   {"scores", scores}, {"best_epochs", best_epochs},
                   {"mean", mean},     {"std", stddev},      {"seconds", seconds}};
  if (!ok()) j["error"] = error;
  return j;
}

TrialResult TrialResult::from_json(const nlohmann::json& j) {
  TrialResult t;
  t.params = j.at("params");
  t.epochs = j.at("epochs").get<int>();
  const auto& scores = j.at("scores");
  const auto& best = j.at("best_epochs");
  for (std::size_t i = 0; i < scores.size(); ++i) t.folds.push_back({scores[i].get<double>(), best.at(i).get<int>()});
  t.mean = j.at("mean").get<double>();
  t.stddev = j.at("std").get<double>();
  t.seconds = j.at("seconds").get<double>();
  t.error = j.value("error", "");
  return t;
}

std::vector<std::pair<int, int>> halving_rungs(int candidates, int min_epochs, int max_epochs, int eta) {
  STRATA_CHECK(candidates >= 1 && min_epochs >= 1 && max_epochs >= min_epochs && eta >= 2,
               "successive halving: need candidates >= 1, 1 <= min_epochs <= epochs and eta >= 2; got ", candidates, ", ",
               min_epochs, ", ", max_epochs, ", ", eta);
  std::vector<std::pair<int, int>> rungs;
  long budget = min_epochs;
  int n = candidates;
  while (budget < max_epochs && n > 1) {
    rungs.emplace_back(n, static_cast<int>(budget));
    budget *= eta;
    n = std::max(1, n / eta);
  }
  rungs.emplace_back(n, max_epochs);
  return rungs;
}

std::vector<std::pair<int, int>> hyperband_brackets(int min_epochs, int max_epochs, int eta) {
  STRATA_CHECK(min_epochs >= 1 && max_epochs >= min_epochs && eta >= 2,
               "hyperband: need 1 <= min_epochs <= epochs and eta >= 2");
  int s_max = 0;
  while (static_cast<long>(min_epochs) * static_cast<long>(std::pow(eta, s_max + 1)) <= max_epochs) ++s_max;
  std::vector<std::pair<int, int>> brackets;
  for (int s = s_max; s >= 0; --s) {
    const int n = static_cast<int>(std::ceil(double(s_max + 1) / double(s + 1) * std::pow(eta, s)));
    const int r = std::max(min_epochs, static_cast<int>(std::lround(double(max_epochs) / std::pow(eta, s))));
    brackets.emplace_back(n, r);
  }
  return brackets;
}

std::vector<Params> random_candidates(const SearchSpace& space, int count, std::uint64_t seed) {
  Generator gen(seed);
  std::vector<Params> out;
  std::set<std::string> seen;
  for (long attempt = 0; static_cast<int>(out.size()) < count && attempt < 100L * count; ++attempt) {
    Params p = space.sample(gen);
    if (seen.insert(p.dump()).second) out.push_back(std::move(p));
  }
  return out;
}

TuneResult search(const SearchSpace& space, Evaluator& evaluator, const TuneOptions& o) {
  STRATA_CHECK(o.epochs >= 1, "tune: epochs must be at least 1, got ", o.epochs);
  STRATA_CHECK(o.parallel >= 1, "tune: parallel must be at least 1, got ", o.parallel);
  STRATA_CHECK(evaluator.folds() >= 1, "tune: the evaluator has no folds");
  ResultsLog log(o.results_path, o.signature);
  Runner runner(evaluator, o, log);
  TuneResult result;
  result.maximize = o.maximize;
  if (o.strategy == "grid") {
    result.trials = runner.run(space.grid(), o.epochs, "");
  } else if (o.strategy == "random") {
    STRATA_CHECK(o.trials >= 1, "tune: trials must be at least 1, got ", o.trials);
    result.trials = runner.run(random_candidates(space, o.trials, o.seed), o.epochs, "");
  } else if (o.strategy == "halving") {
    STRATA_CHECK(o.trials >= 1, "tune: trials must be at least 1, got ", o.trials);
    result.trials = successive_halving(runner, random_candidates(space, o.trials, o.seed), o.min_epochs, o, "");
  } else if (o.strategy == "hyperband") {
    const auto brackets = hyperband_brackets(o.min_epochs, o.epochs, o.eta);
    for (std::size_t b = 0; b < brackets.size() && !runner.out_of_time(); ++b) {
      // Each bracket draws its own candidates (seeded by the bracket, so a resume draws the same).
      auto candidates = random_candidates(space, brackets[b].first, o.seed * 1000003ULL + b);
      auto trials = successive_halving(runner, std::move(candidates), brackets[b].second, o,
                                       ", bracket " + std::to_string(b + 1) + "/" + std::to_string(brackets.size()));
      result.trials.insert(result.trials.end(), trials.begin(), trials.end());
    }
  } else {
    throw Error(detail::concat("tune: unknown strategy \"", o.strategy, "\"; expected grid, random, halving or hyperband"));
  }
  if (o.baseline) {
    auto baseline = runner.run({Params::object()}, o.epochs, ", baseline");
    if (!baseline.empty()) {
      result.has_baseline = true;
      result.baseline = baseline.front();
    }
  }
  result.out_of_time = runner.stopped_by_time();
  // The best is chosen among the trials that got the largest budget any trial got.
  int top_budget = 0;
  for (const auto& t : result.trials)
    if (t.ok()) top_budget = std::max(top_budget, t.epochs);
  bool found = false;
  for (const auto& t : result.trials)
    if (t.ok() && t.epochs == top_budget && (!found || better(t, result.best, o.maximize))) {
      result.best = t;
      found = true;
    }
  STRATA_CHECK(found, "tune: no trial finished successfully", result.trials.empty() ? " (none ran: is the time budget too small?)" : "",
               result.trials.empty() ? "" : "; the first error: ", result.trials.empty() ? "" : result.trials.front().error);
  return result;
}

std::string TuneResult::table(std::size_t max_rows) const {
  std::vector<TrialResult> rows = trials;
  std::stable_sort(rows.begin(), rows.end(), [&](const TrialResult& a, const TrialResult& b) { return better(a, b, maximize); });
  if (max_rows && rows.size() > max_rows) rows.resize(max_rows);
  std::vector<std::string> names;  // every parameter any trial has, in first-seen order
  for (const auto& t : rows)
    for (const auto& [k, v] : t.params.items())
      if (std::find(names.begin(), names.end(), k) == names.end()) names.push_back(k);
  std::vector<std::string> header = {"rank"};
  header.insert(header.end(), names.begin(), names.end());
  for (const char* h : {"epochs", "score (mean +- std)", "time (s)"}) header.push_back(h);
  std::vector<std::vector<std::string>> cells = {header};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& t = rows[i];
    std::vector<std::string> row = {std::to_string(i + 1)};
    for (const auto& n : names) row.push_back(t.params.contains(n) ? value_text(t.params[n]) : "-");
    row.push_back(std::to_string(t.epochs));
    char score[64];
    if (t.ok())
      std::snprintf(score, sizeof score, "%.4f +- %.4f", t.mean, t.stddev);
    else
      std::snprintf(score, sizeof score, "failed");
    row.push_back(score);
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f", t.seconds);
    row.push_back(secs);
    cells.push_back(row);
  }
  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& r : cells)
    for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  std::ostringstream out;
  for (const auto& r : cells) {
    for (std::size_t c = 0; c < r.size(); ++c)
      out << r[c] << std::string(width[c] - r[c].size() + (c + 1 < r.size() ? 2 : 0), ' ');
    out << '\n';
  }
  return out.str();
}

nlohmann::json TuneResult::to_json() const {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& t : trials) all.push_back(t.to_json());
  nlohmann::json j{{"trials", all}, {"best", best.to_json()}, {"direction", maximize ? "max" : "min"}, {"out_of_time", out_of_time}};
  if (has_baseline) j["baseline"] = baseline.to_json();
  return j;
}

}  // namespace strata::tune
