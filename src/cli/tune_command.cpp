// `strata tune`: hyper-parameter search on a CSV file or an image data set, then the best
// configuration (and the default one, for comparison) retrained on all training data and
// scored on held-out test data.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "command.h"
#include "validators.h"
#include "strata/data/preprocessing.h"
#include "strata/io/model_io.h"
#include "strata/io/text_file.h"
#include "strata/tensor/math.h"
#include "strata/tune/report.h"
#include "strata/tune/training_evaluator.h"

namespace strata::cli {

struct TuneCommandOptions {
  std::string space;                 // the search space JSON file
  std::string data = "fashion_mnist";  // a .csv file, or what DataOptions::data takes
  DataOptions images;                // for image data
  std::string label_column;          // CSV: label column by header name (default: the last column)
  bool csv_header = true;
  int csv_skip_rows = 0;
  std::vector<std::string> class_names;
  double test_split = 0.2;           // CSV: stratified share held out for the final test
  std::string model = "mlp";         // mlp, or a model spec .json with "$param" placeholders
  // Bound to the command's options directly (one copy of each setting): how a candidate is
  // scored, and how the search runs.
  tune::EvaluationSettings evaluation;
  tune::TuneOptions search = command_defaults();
  std::string direction = "auto";    // auto, max, min
  std::string output = "tune";       // folder: results.jsonl, best.json, best.strata, report.html

  static tune::TuneOptions command_defaults() {
    tune::TuneOptions t;
    t.epochs = 30;      // a full budget per candidate (early stopping ends most sooner)
    t.baseline = true;  // the default configuration is scored too, for comparison
    return t;
  }
};
namespace {

struct Splits {
  Tensor x_train, y_train, x_test, y_test;
  std::vector<std::string> class_names;
  std::string description;
};

Splits load_data(const TuneCommandOptions& o) {
  Splits s;
  if (std::filesystem::path(o.data).extension() == ".csv") {
    data::CsvOptions csv;
    csv.label_column = o.label_column;
    csv.header = o.csv_header;
    csv.skip_rows = o.csv_skip_rows;
    csv.class_names = o.class_names;
    const auto all = data::csv_dataset(o.data, csv);
    const data::Example e = data::to_tensors(*all);
    const auto [train, test] = data::stratified_split(e.target, o.test_split, o.evaluation.seed);
    s.x_train = gather_rows(e.input, train);
    s.y_train = gather_rows(e.target, train);
    s.x_test = gather_rows(e.input, test);
    s.y_test = gather_rows(e.target, test);
    s.class_names = all->class_names();
    s.description = all->describe() + "; " + std::to_string(train.size()) + " for the search, " +
                    std::to_string(test.size()) + " held out for the test (stratified)";
    return s;
  }
  DataOptions d = o.images;
  d.data = o.data;
  const auto train = load_split(d, "train"), test = load_split(d, "test");
  const data::Example a = data::to_tensors(*train), b = data::to_tensors(*test);
  s.x_train = a.input;
  s.y_train = a.target;
  s.x_test = b.input;
  s.y_test = b.target;
  s.class_names = train->class_names();
  s.description = "train: " + train->describe() + "; test: " + test->describe();
  return s;
}

// Epochs for the final fit on all training data: the mean epoch at which the folds peaked.
int final_epochs(const tune::TrialResult& t) {
  double sum = 0;
  for (const auto& f : t.folds) sum += f.best_epoch;
  return std::max(1, static_cast<int>(std::lround(sum / double(t.folds.size()))));
}

struct TestScore {
  double accuracy, loss;
  int epochs;
  std::optional<data::Normalizer> normalizer;  // what the model's inputs must be standardized with
};

TestScore retrain_and_test(const tune::TrainingEvaluator& evaluator, const tune::TrialResult& trial, const Splits& s,
                           const std::string& save_path) {
  std::optional<data::Normalizer> normalizer;
  const int epochs = final_epochs(trial);
  train::Trainer trainer = evaluator.fit_all(trial.params, epochs, &normalizer);
  // The test data standardized with the training data's statistics.
  const auto logs = trainer.evaluate(normalizer ? normalizer->apply(s.x_test) : s.x_test, s.y_test);
  if (!save_path.empty()) io::save_model(save_path, trainer.model(), &trainer.optimizer(), trainer.training_config());
  return {logs.at("accuracy"), logs.at("loss"), epochs, normalizer};
}

}  // namespace

int run_tune(const TuneCommandOptions& o) {
  STRATA_CHECK(!o.space.empty(), "tune: --space FILE.json is required");
  const tune::SearchSpace space = tune::SearchSpace::from_json(read_json_file(o.space, "search space"));
  std::printf("Loading %s\n", o.data.c_str());
  const Splits s = load_data(o);
  std::printf("%s\n", s.description.c_str());

  nlohmann::json model_description = o.model;
  tune::ModelFamily family;
  if (std::filesystem::path(o.model).extension() == ".json") {
    const auto spec = nlohmann::json::parse(read_json_file(o.model, "model spec").dump());
    family = tune::spec_family(spec);
    model_description = spec;
  } else {
    STRATA_CHECK(o.model == "mlp", "tune: --model must be mlp or a model spec .json with \"$param\" placeholders, got \"",
                 o.model, "\"");
    family = tune::mlp_family();
  }
  tune::TrainingEvaluator evaluator(s.x_train, s.y_train, static_cast<std::int64_t>(s.class_names.size()), family, o.evaluation);
  evaluator.check_parameters(space);

  tune::TuneOptions t = o.search;
  t.seed = o.evaluation.seed;
  t.maximize = o.direction == "auto" ? evaluator.maximize() : o.direction == "max";
  t.results_path = (std::filesystem::path(o.output) / "results.jsonl").string();
  // What decides a trial's score; a results file from other settings is refused, while the
  // strategy, trial count and time budget may change between runs (finished trials are reused).
  t.signature = {{"data", o.data},        {"label_column", o.label_column}, {"csv_skip_rows", o.csv_skip_rows},
                 {"test_split", o.test_split}, {"limit", o.images.limit},  {"model", model_description},
                 {"objective", o.evaluation.objective}, {"folds", o.evaluation.folds},          {"validation_split", o.evaluation.validation_split},
                 {"patience", o.evaluation.patience}, {"standardize", o.evaluation.standardize}, {"seed", o.evaluation.seed}};
  const char* validation = o.evaluation.folds >= 2 ? "-fold stratified cross-validation" : " held-out split";
  std::printf("search: %s over %zu parameters, objective %s (%s), %d%s, up to %d epochs per trial%s\nresults: %s\n\n",
              o.search.strategy.c_str(), space.params().size(), o.evaluation.objective.c_str(), t.maximize ? "higher is better" : "lower is better",
              o.evaluation.folds >= 2 ? o.evaluation.folds : 1, validation, o.search.epochs,
              o.evaluation.patience > 0 ? (" with early stopping (patience " + std::to_string(o.evaluation.patience) + ")").c_str() : "",
              t.results_path.c_str());

  const tune::TuneResult result = tune::search(space, evaluator, t);
  std::printf("\n%s%s\n", result.out_of_time ? "(stopped by the time budget)\n" : "", result.table(20).c_str());

  const auto best_test = retrain_and_test(evaluator, result.best, s, (std::filesystem::path(o.output) / "best.strata").string());
  std::string summary;
  char line[512];
  std::snprintf(line, sizeof line,
                "best configuration: %s\n  cross-validated %s %.4f +- %.4f; retrained on all %lld training rows for %d epochs: "
                "test accuracy %.4f, test loss %.4f (%lld rows)\n",
                result.best.params.dump().c_str(), o.evaluation.objective.c_str(), result.best.mean, result.best.stddev,
                static_cast<long long>(s.x_train.size(0)), best_test.epochs, best_test.accuracy, best_test.loss,
                static_cast<long long>(s.x_test.size(0)));
  summary += line;
  nlohmann::json best_json{{"params", result.best.params}, {"objective", o.evaluation.objective}, {"mean", result.best.mean},
                           {"std", result.best.stddev}, {"test_accuracy", best_test.accuracy}, {"test_loss", best_test.loss}, {"epochs", best_test.epochs}};
  if (best_test.normalizer)  // best.strata expects inputs standardized with these
    best_json["standardize"] = {{"mean", best_test.normalizer->mean()}, {"std", best_test.normalizer->stddev()}};
  if (result.has_baseline && result.baseline.ok()) {
    const auto base_test = retrain_and_test(evaluator, result.baseline, s, "");
    std::snprintf(line, sizeof line,
                  "default configuration: %s\n  cross-validated %s %.4f +- %.4f; retrained for %d epochs: test accuracy %.4f, "
                  "test loss %.4f\n",
                  family.name == "mlp" ? "mlp layers=2 units=256 relu, adam lr=0.001, batch 32" : "the spec's defaults",
                  o.evaluation.objective.c_str(), result.baseline.mean, result.baseline.stddev, base_test.epochs, base_test.accuracy,
                  base_test.loss);
    summary += line;
    const bool wins = t.maximize ? result.best.mean > result.baseline.mean : result.best.mean < result.baseline.mean;
    summary += wins ? "the best configuration beats the default on cross-validation\n"
                    : "the search did not beat the default configuration\n";
    best_json["baseline"] = {{"mean", result.baseline.mean}, {"std", result.baseline.stddev}, {"test_accuracy", base_test.accuracy}, {"test_loss", base_test.loss}};
  }
  std::printf("%s", summary.c_str());
  const auto dir = std::filesystem::path(o.output);
  io::write_text_file((dir / "best.json").string(), best_json.dump(2) + "\n");
  io::write_text_file((dir / "report.html").string(), tune::report_html(result, space, o.evaluation.objective, summary));
  std::printf("wrote %s, %s and %s\n", (dir / "best.strata").c_str(), (dir / "best.json").c_str(), (dir / "report.html").c_str());
  return 0;
}

void add_tune(CLI::App& app, Run& selected) {
  auto [o, cmd] = add_command<TuneCommandOptions>(
      app, selected, "tune", "Hyper-parameter search (grid, random, halving, hyperband) with cross-validation",
      run_tune);
  cmd->add_option("--space", o->space, "Search space JSON file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--data", o->data, "A .csv file, fashion_mnist, an IDX folder or an image folder")->capture_default_str();
  cmd->add_option("--label-column", o->label_column, "CSV: label column name (default: the last column)");
  cmd->add_flag("!--no-header", o->csv_header, "CSV: the file has no header row");
  cmd->add_option("--skip-rows", o->csv_skip_rows, "CSV: lines to ignore at the top")->check(number_in(0, 1e12));
  cmd->add_option("--class-names", o->class_names, "CSV: names of labels 0, 1, ... (comma separated)")->delimiter(',');
  cmd->add_option("--test-split", o->test_split, "CSV: stratified share held out for the final test")
      ->capture_default_str()
      ->check(number_in(0.05, 0.9));
  cmd->add_option("--limit", o->images.limit, "Image data: use only the first N training samples")->check(number_in(0, 1e12));
  cmd->add_option("--model", o->model, "mlp, or a model spec .json with \"$param\" placeholders")->capture_default_str();
  cmd->add_option("--objective", o->evaluation.objective, "val_accuracy, val_loss or val_<metric>")->capture_default_str();
  cmd->add_option("--direction", o->direction, "auto (losses and errors minimized), max or min")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "max", "min"}));
  cmd->add_option("--strategy", o->search.strategy, "grid, random, halving or hyperband")
      ->capture_default_str()
      ->check(CLI::IsMember({"grid", "random", "halving", "hyperband"}));
  cmd->add_option("--trials", o->search.trials, "random: candidates; halving: first-rung candidates")->capture_default_str()->check(number_in(1, kMaxCount));
  cmd->add_option("--epochs", o->search.epochs, "Full training budget per candidate")->capture_default_str()->check(number_in(1, kMaxCount));
  cmd->add_option("--min-epochs", o->search.min_epochs, "halving/hyperband: first rung's budget")->capture_default_str()->check(number_in(1, kMaxCount));
  cmd->add_option("--eta", o->search.eta, "halving/hyperband: keep the best 1/eta per rung")->capture_default_str()->check(number_in(2, 100));
  cmd->add_option("--folds", o->evaluation.folds, "Stratified cross-validation folds (1: one held-out split)")->capture_default_str()->check(number_in(1, 100));
  cmd->add_option("--validation-split", o->evaluation.validation_split, "Held-out share when --folds 1")->capture_default_str()->check(number_in(0.05, 0.9));
  cmd->add_option("--patience", o->evaluation.patience, "Early stopping patience inside a trial (0: off)")->capture_default_str()->check(number_in(0, kMaxCount));
  cmd->add_flag("!--no-standardize", o->evaluation.standardize, "Do not standardize features per fold");
  cmd->add_option("--time-budget", o->search.max_seconds, "Seconds; no trial starts after them (0: none)")->check(number_in(0, 1e9));
  cmd->add_option("--parallel", o->search.parallel, "Trials run at once, sharing the cores")->capture_default_str()->check(number_in(1, strata::cli::max_threads()));
  cmd->add_option("--seed", o->evaluation.seed, "Seed for candidates, folds, initialization")->capture_default_str();
  cmd->add_option("--output", o->output, "Folder for results.jsonl (resumable), best.json, best.strata, report.html")->capture_default_str();
  cmd->add_option("--verbose", o->search.verbose, "0 quiet, 1 a line per trial")->capture_default_str()->check(number_in(0, 1));
}

}  // namespace strata::cli
