// Hyper-parameter search: the search space (grid, sampling, conditions), cross-validation
// folds, the strategies, the resumable results file, and a real training evaluator.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include "strata/data/dataset.h"
#include "strata/data/preprocessing.h"
#include "strata/models/builtin.h"
#include "strata/tensor/math.h"
#include "strata/tune/report.h"
#include "strata/tune/training_evaluator.h"
#include "strata/tune/tuner.h"
#include "test_helpers.h"

using namespace strata;
using namespace strata::tune;
using strata::testing::error_of;

namespace {

std::string temp_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("strata_tune_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto p = dir / name;
  std::filesystem::remove(p);
  return p.string();
}

// A synthetic objective: a known function of the parameters that improves with epochs, and
// a record of every (params, epochs, fold) it was asked for.
struct CountingEvaluator : Evaluator {
  int fold_count = 2;
  long kill_after = -1;  // throw Killed (not a std::exception: an interruption) after this many calls
  std::mutex mutex;
  std::vector<std::string> calls;
  struct Killed {};

  int folds() const override { return fold_count; }
  FoldScore score(const Params& p, int epochs, int fold) override {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (kill_after >= 0 && static_cast<long>(calls.size()) >= kill_after) throw Killed{};
      calls.push_back(nlohmann::json{{"p", p}, {"e", epochs}, {"f", fold}}.dump());
    }
    if (p.contains("fail") && p["fail"] == true) throw Error("this candidate diverges");
    const double lr = p.value("learning_rate", 0.01);
    const double units = p.value("units", 64);
    // Best at lr = 0.01, more units slightly better; more epochs better; folds differ a little.
    const double v = -std::pow(std::log10(lr) + 2, 2) + 0.001 * units + 0.01 * epochs + 0.001 * fold;
    return {v, epochs};
  }
};

SearchSpace demo_space() {
  SearchSpace s;
  s.log_uniform("learning_rate", 1e-4, 1.0, {}, 5).integer("units", 16, 128, true, {}, 3).choice("optimizer", {"sgd", "adam"});
  return s;
}

}  // namespace

TEST(SearchSpace, GridIsExactlyTheCartesianProduct) {
  SearchSpace s;
  s.choice("optimizer", {"sgd", "adam", "rmsprop"}).integer("layers", 1, 4).uniform("dropout", 0.0, 0.5, {}, 3);
  const auto grid = s.grid();
  std::set<std::string> got;
  for (const auto& p : grid) got.insert(p.dump());
  std::set<std::string> expected;
  for (const char* o : {"sgd", "adam", "rmsprop"})
    for (int l = 1; l <= 4; ++l)
      for (double d : {0.0, 0.25, 0.5}) expected.insert(Params{{"optimizer", o}, {"layers", l}, {"dropout", d}}.dump());
  EXPECT_EQ(grid.size(), 36u);
  EXPECT_EQ(got.size(), grid.size()) << "a combination appears twice";
  EXPECT_EQ(got, expected);
}

TEST(SearchSpace, ConditionalParametersOnlyWhereActive) {
  SearchSpace s;
  s.choice("optimizer", {"sgd", "adam"}).uniform("momentum", 0.0, 0.9, {{"optimizer", {"sgd"}}}, 2);
  const auto grid = s.grid();
  ASSERT_EQ(grid.size(), 3u);  // sgd x 2 momenta, adam without momentum
  int with_momentum = 0;
  for (const auto& p : grid) {
    EXPECT_EQ(p.contains("momentum"), p["optimizer"] == "sgd") << p.dump();
    with_momentum += p.contains("momentum");
  }
  EXPECT_EQ(with_momentum, 2);
  Generator gen(3);
  for (int i = 0; i < 200; ++i) {
    const Params p = s.sample(gen);
    EXPECT_EQ(p.contains("momentum"), p["optimizer"] == "sgd") << p.dump();
  }
}

TEST(SearchSpace, RandomSearchIsReproducibleFromItsSeed) {
  const SearchSpace s = demo_space();
  const auto a = random_candidates(s, 10, 7), b = random_candidates(s, 10, 7), c = random_candidates(s, 10, 8);
  ASSERT_EQ(a.size(), 10u);
  EXPECT_EQ(nlohmann::json(a), nlohmann::json(b));
  EXPECT_NE(nlohmann::json(a), nlohmann::json(c));
  const auto prefix = random_candidates(s, 4, 7);  // a longer search extends a shorter one
  for (std::size_t i = 0; i < prefix.size(); ++i) EXPECT_EQ(prefix[i], a[i]);
  std::set<std::string> distinct;
  for (const auto& p : a) distinct.insert(p.dump());
  EXPECT_EQ(distinct.size(), a.size());
}

TEST(SearchSpace, LogUniformIsUniformInLogSpace) {
  SearchSpace s;
  s.log_uniform("lr", 1e-5, 1e-1);
  Generator gen(11);
  const int n = 40000;
  std::vector<int> per_decade(4, 0);
  double mean_log = 0;
  for (int i = 0; i < n; ++i) {
    const double v = s.sample(gen)["lr"].get<double>();
    ASSERT_GE(v, 1e-5);
    ASSERT_LE(v, 1e-1);
    const double l = std::log10(v);
    mean_log += l / n;
    ++per_decade[std::min(3, static_cast<int>(std::floor(l + 5)))];
  }
  for (int d = 0; d < 4; ++d) EXPECT_NEAR(per_decade[d] / double(n), 0.25, 0.01) << "decade " << d;
  EXPECT_NEAR(mean_log, -3.0, 0.02);
  // Log-uniform integers: each decade of [1, 1000) equally likely.
  SearchSpace ints;
  ints.integer("units", 1, 999, true);
  std::vector<int> int_decades(3, 0);
  for (int i = 0; i < n; ++i) ++int_decades[static_cast<int>(std::floor(std::log10(ints.sample(gen)["units"].get<double>())))];
  for (int d = 0; d < 3; ++d) EXPECT_NEAR(int_decades[d] / double(n), 1.0 / 3, 0.015) << "decade " << d;
}

TEST(SearchSpace, FromJsonKeepsOrderAndRejectsMistakes) {
  const auto space = SearchSpace::from_json(nlohmann::ordered_json::parse(R"({
      "optimizer": ["sgd", "adam"],
      "momentum": {"float": [0.0, 0.9], "when": {"optimizer": "sgd"}, "grid": 3},
      "learning_rate": {"float": [1e-4, 1e-1], "log": true, "grid": 4},
      "units": {"int": [16, 64], "log": true}})"));
  ASSERT_EQ(space.params().size(), 4u);
  EXPECT_EQ(space.params()[1].name, "momentum");
  EXPECT_EQ(space.grid().size(), (3u + 1u) * 4u * 49u);
  EXPECT_EQ(SearchSpace::from_json(space.to_json()).to_json(), space.to_json());
  auto err = [](const char* text) { return error_of([&] { SearchSpace::from_json(nlohmann::ordered_json::parse(text)); }); };
  EXPECT_NE(err(R"({"lr": {"float": [1e-4, 1e-1], "logg": true}})").find("unknown key \"logg\""), std::string::npos);
  EXPECT_NE(err(R"({"m": {"float": [0, 1], "when": {"optimizer": "sgd"}}, "optimizer": ["sgd"]})").find("not a parameter defined before it"),
            std::string::npos);
  EXPECT_NE(err(R"({"lr": {"float": [0, 1], "log": true}})").find("positive lower bound"), std::string::npos);
  EXPECT_NE(err(R"({"lr": {"float": [1, 0]}})").find("low <= high"), std::string::npos);
  SearchSpace no_grid;
  no_grid.uniform("dropout", 0, 0.5);
  EXPECT_NE(error_of([&] { no_grid.grid(); }).find("needs \"grid\": N"), std::string::npos);
}

TEST(CrossValidation, StratifiedFoldsKeepProportionsAndCoverEverySampleOnce) {
  std::vector<std::int64_t> labels;
  for (int i = 0; i < 203; ++i) labels.push_back(i % 10 < 7 ? 0 : (i % 10 < 9 ? 1 : 2));  // ~70/20/10
  const Tensor y = Tensor::from_vector(labels, {203});
  std::map<std::int64_t, int> total;
  for (auto l : labels) ++total[l];
  const int k = 5;
  const auto folds = data::stratified_kfold(y, k, 3);
  ASSERT_EQ(folds.size(), 5u);
  std::vector<int> seen(labels.size(), 0);
  for (const auto& f : folds) {
    std::map<std::int64_t, int> count;
    for (auto i : f.validation) {
      ++seen[i];
      ++count[labels[i]];
    }
    for (const auto& [c, n] : total) {
      EXPECT_GE(count[c], n / k) << "class " << c;
      EXPECT_LE(count[c], (n + k - 1) / k) << "class " << c;
    }
    EXPECT_EQ(f.train.size() + f.validation.size(), labels.size());
    std::set<std::int64_t> train(f.train.begin(), f.train.end());
    for (auto i : f.validation) EXPECT_FALSE(train.count(i)) << "index " << i << " in both parts";
  }
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], 1) << "index " << i;
  EXPECT_NE(data::stratified_kfold(y, k, 4)[0].validation, folds[0].validation);  // the seed shuffles
  EXPECT_NE(error_of([&] { data::stratified_kfold(y, 30, 0); }).find("class 2 has 20 examples, fewer than the 30 folds"),
            std::string::npos);
  std::vector<int> plain_seen(50, 0);
  for (const auto& f : data::kfold(50, 4, 1))
    for (auto i : f.validation) ++plain_seen[i];
  for (int s : plain_seen) EXPECT_EQ(s, 1);
}

TEST(Tuner, HalvingAndHyperbandSchedules) {
  using R = std::vector<std::pair<int, int>>;
  EXPECT_EQ(halving_rungs(27, 1, 27, 3), (R{{27, 1}, {9, 3}, {3, 9}, {1, 27}}));
  EXPECT_EQ(halving_rungs(10, 2, 20, 2), (R{{10, 2}, {5, 4}, {2, 8}, {1, 20}}));
  EXPECT_EQ(halving_rungs(1, 1, 9, 3), (R{{1, 9}}));
  EXPECT_EQ(hyperband_brackets(1, 27, 3), (R{{27, 1}, {12, 3}, {6, 9}, {4, 27}}));
}

TEST(Tuner, GridFindsTheBestCandidateAndScoresTheBaseline) {
  CountingEvaluator ev;
  TuneOptions o;
  o.strategy = "grid";
  o.epochs = 3;
  o.baseline = true;
  o.verbose = 0;
  const auto r = search(demo_space(), ev, o);
  EXPECT_EQ(r.trials.size(), 5u * 3u * 2u);
  EXPECT_NEAR(r.best.params["learning_rate"].get<double>(), 0.01, 1e-12);
  EXPECT_EQ(r.best.params["units"], 128);
  EXPECT_NEAR(r.best.mean, 0.128 + 0.03 + 0.0005, 1e-9);  // mean over the two folds
  EXPECT_NEAR(r.best.stddev, 0.0005, 1e-9);
  ASSERT_TRUE(r.has_baseline);
  EXPECT_TRUE(r.baseline.params.empty());
  EXPECT_EQ(ev.calls.size(), (30u + 1u) * 2u);
  EXPECT_NE(r.table().find("rank"), std::string::npos);
  EXPECT_EQ(parameter_plots(r, demo_space(), "score").size(), 3u);
}

TEST(Tuner, SuccessiveHalvingKeepsTheBestFraction) {
  CountingEvaluator ev;
  TuneOptions o;
  o.strategy = "halving";
  o.trials = 9;
  o.min_epochs = 1;
  o.epochs = 9;
  o.eta = 3;
  o.seed = 5;
  o.verbose = 0;
  const auto r = search(demo_space(), ev, o);
  EXPECT_EQ(r.trials.size(), 9u + 3u + 1u);
  EXPECT_EQ(r.best.epochs, 9);
  // The survivor is the candidate that was best in the first rung.
  const auto candidates = random_candidates(demo_space(), 9, 5);
  double best_first = -1e9;
  Params best_params;
  for (const auto& t : r.trials)
    if (t.epochs == 1 && t.mean > best_first) best_first = t.mean, best_params = t.params;
  EXPECT_EQ(r.best.params, best_params);
}

TEST(Tuner, FailedTrialsAreRecordedAndTheSearchGoesOn) {
  CountingEvaluator ev;
  SearchSpace s;
  s.choice("fail", {false, true}).choice("units", {32, 64});
  TuneOptions o;
  o.strategy = "grid";
  o.verbose = 0;
  const auto r = search(s, ev, o);
  ASSERT_EQ(r.trials.size(), 4u);
  int failed = 0;
  for (const auto& t : r.trials)
    if (!t.ok()) {
      ++failed;
      EXPECT_NE(t.error.find("diverges"), std::string::npos);
    }
  EXPECT_EQ(failed, 2);
  EXPECT_EQ(r.best.params["fail"], false);
  EXPECT_NE(r.table().find("failed"), std::string::npos);
}

TEST(Tuner, ParallelTrialsGiveTheSameResults) {
  CountingEvaluator serial, parallel;
  TuneOptions o;
  o.strategy = "random";
  o.trials = 12;
  o.verbose = 0;
  const auto a = search(demo_space(), serial, o);
  o.parallel = 2;
  const auto b = search(demo_space(), parallel, o);
  ASSERT_EQ(a.trials.size(), b.trials.size());
  for (std::size_t i = 0; i < a.trials.size(); ++i) {
    EXPECT_EQ(a.trials[i].params, b.trials[i].params);
    EXPECT_EQ(a.trials[i].mean, b.trials[i].mean);
  }
  EXPECT_EQ(a.best.params, b.best.params);
}

// A search killed part-way and started again with the same results file finishes with every
// trial run exactly once, and the same answer as an uninterrupted search.
TEST(Tuner, KilledSearchResumesWithoutRunningATrialTwice) {
  for (const std::string strategy : {"random", "halving", "hyperband"}) {
    SCOPED_TRACE(strategy);
    TuneOptions o;
    o.strategy = strategy;
    o.trials = 9;
    o.epochs = 9;
    o.seed = 2;
    o.verbose = 0;
    o.signature = {{"test", "resume"}};
    CountingEvaluator straight;
    const auto reference = search(demo_space(), straight, o);

    o.results_path = temp_path("resume_" + strategy + ".jsonl");
    CountingEvaluator first;
    first.kill_after = 7;  // mid-trial: trial 4's second fold never finishes
    EXPECT_THROW(search(demo_space(), first, o), CountingEvaluator::Killed);
    // A kill while writing leaves half a line; resuming drops it.
    { std::ofstream(o.results_path, std::ios::app) << R"({"params": {"learning_ra)"; }
    CountingEvaluator second;
    const auto resumed = search(demo_space(), second, o);

    // Calls of trials that finished in the first run never happen again...
    std::set<std::string> trial_keys_first;
    for (std::size_t i = 0; i + 1 < first.calls.size(); i += 2) {
      auto j = nlohmann::json::parse(first.calls[i]);
      trial_keys_first.insert(nlohmann::json{{"p", j["p"]}, {"e", j["e"]}}.dump());
    }
    for (const auto& c : second.calls) {
      auto j = nlohmann::json::parse(c);
      EXPECT_FALSE(trial_keys_first.count(nlohmann::json{{"p", j["p"]}, {"e", j["e"]}}.dump())) << "ran twice: " << c;
    }
    // ...and between them the two runs made every call the straight run made (the killed
    // trial's first fold is redone, as it never finished).
    EXPECT_EQ(second.calls.size() + 6, straight.calls.size());
    EXPECT_EQ(resumed.trials.size(), reference.trials.size());
    EXPECT_EQ(resumed.best.params, reference.best.params);
    EXPECT_EQ(resumed.best.mean, reference.best.mean);
    // A third run only reads the file.
    CountingEvaluator third;
    search(demo_space(), third, o);
    EXPECT_TRUE(third.calls.empty());
  }
}

TEST(Tuner, ResultsFileOfAnotherSearchIsRefused) {
  TuneOptions o;
  o.trials = 2;
  o.verbose = 0;
  o.results_path = temp_path("other.jsonl");
  o.signature = {{"data", "a.csv"}};
  CountingEvaluator ev;
  search(demo_space(), ev, o);
  o.signature = {{"data", "b.csv"}};
  EXPECT_NE(error_of([&] { search(demo_space(), ev, o); }).find("belongs to a different search"), std::string::npos);
  o.results_path = temp_path("garbage.jsonl");
  { std::ofstream(o.results_path) << "not json\n{}\n"; }
  EXPECT_NE(error_of([&] { search(demo_space(), ev, o); }).find("line 1 is not JSON"), std::string::npos);
}

TEST(Tuner, TimeBudgetStopsStartingTrials) {
  CountingEvaluator ev;
  TuneOptions o;
  o.trials = 50;
  o.verbose = 0;
  o.max_seconds = 1e-9;  // over before the first trial: nothing runs, which is an error
  EXPECT_NE(error_of([&] { search(demo_space(), ev, o); }).find("no trial finished"), std::string::npos);
  EXPECT_TRUE(ev.calls.empty());
}

// The real evaluator: an MLP on two separable blobs, 3-fold cross-validated.
TEST(TrainingEvaluator, CrossValidatesAnMlpAndChecksParameterNames) {
  manual_seed(1);
  const std::int64_t n = 240;
  Tensor x = Tensor::normal({n, 4}, 0.0, 1.0);
  std::vector<std::int64_t> labels(n);
  float* p = x.data<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    labels[i] = i % 2;
    p[i * 4] += labels[i] ? 2.5f : -2.5f;  // separable along the first feature
    p[i * 4 + 1] = p[i * 4 + 1] * 10 + 100;  // a badly scaled feature: standardization matters
  }
  EvaluationSettings s;
  s.folds = 3;
  s.patience = 2;
  TrainingEvaluator ev(x, Tensor::from_vector(labels, {n}), 2, mlp_family(), s);
  EXPECT_TRUE(ev.maximize());
  const FoldScore f = ev.score({{"units", 16}, {"layers", 1}, {"learning_rate", 0.01}}, 10, 0);
  EXPECT_GT(f.value, 0.9);
  EXPECT_GE(f.best_epoch, 1);
  EXPECT_LE(f.best_epoch, 10);
  // The same candidate on the same fold scores the same (seeded per fold).
  EXPECT_EQ(ev.score({{"units", 16}, {"layers", 1}, {"learning_rate", 0.01}}, 10, 0).value, f.value);
  EXPECT_NE(error_of([&] { ev.score({{"optimizer", "adam"}, {"momentum", 0.9}}, 1, 0); }).find("applies to sgd and rmsprop"),
            std::string::npos);
  SearchSpace bad;
  bad.choice("units", {8, 16}).choice("colour", {"red"});
  EXPECT_NE(error_of([&] { ev.check_parameters(bad); }).find("nothing reads: colour"), std::string::npos);
  // A model spec with placeholders.
  // A model spec (the built-in mlp's config) with its first Dense width as a placeholder.
  nlohmann::json spec = models::builtin_model("mlp", {4}, 2)->config();
  for (auto& layer : spec["config"]["layers"])
    if (layer["class_name"] == "Dense") {
      layer["config"]["units"] = "$width";
      break;
    }
  const ModelFamily family = spec_family(spec);
  EXPECT_EQ(family.parameters, std::vector<std::string>{"width"});
  auto model = family.build({{"width", 7}}, {4}, 2);
  EXPECT_EQ(model->count_params(), (4 * 7 + 7) + (7 * 128 + 128) + (128 * 2 + 2));
  EXPECT_NE(error_of([&] { family.build(Params::object(), {4}, 2); }).find("uses $width"), std::string::npos);
}

TEST(TrainingEvaluator, CsvWithAPreambleAndClassNames) {
  const std::string path = temp_path("preamble.csv");
  {
    std::ofstream out(path);
    out << "4,2,bad,good\n1.0,2.0,0\n1.5,2.5,1\n0.5,1.0,0\n2.0,3.0,1\n";
  }
  data::CsvOptions o;
  o.header = false;
  o.skip_rows = 1;
  o.class_names = {"bad", "good"};
  const auto d = data::csv_dataset(path, o);
  EXPECT_EQ(d->size(), 4);
  EXPECT_EQ(d->class_names(), (std::vector<std::string>{"bad", "good"}));
  EXPECT_EQ(d->get(1).target.item(), 1.0);
  o.class_names = {"only"};
  EXPECT_NE(error_of([&] { data::csv_dataset(path, o); }).find("need numeric labels 0 to 0"), std::string::npos);
}
