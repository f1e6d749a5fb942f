// What the `strata` subcommands share. Each subcommand lives in its own <name>_command.cpp and
// exposes add_<name>(app, selected), which declares its options and, when the user picks it,
// sets `selected` to the work to run (CLI11's subcommand-in-files pattern). main() runs it after
// parsing; errors are thrown as strata::Error and reported as "error: ..." with exit code 2.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/data/dataset.h"
#include "strata/metrics/classification.h"
#include "strata/models/model.h"
#include "strata/train/training.h"

namespace strata::cli {

// The chosen subcommand's work; returns the process exit code.
using Run = std::function<int()>;
// Makes `run` the work when `cmd` is the subcommand given.
inline void on_run(CLI::App* cmd, Run& selected, Run run) {
  cmd->callback([&selected, run = std::move(run)] { selected = run; });
}

// A subcommand and the options struct its options bind to (shared, so it outlives parsing).
template <class Options>
struct Command {
  std::shared_ptr<Options> options;
  CLI::App* app;
};
// Declares subcommand `name`; when the user picks it, run(options) becomes the work:
//   auto [o, cmd] = add_command<EvaluateOptions>(app, selected, "evaluate", "...", run_evaluate);
//   cmd->add_option("--json", o->json, "...");
template <class Options>
Command<Options> add_command(CLI::App& parent, Run& selected, const std::string& name, const std::string& help,
                             std::function<int(const Options&)> run) {
  auto options = std::make_shared<Options>();
  CLI::App* cmd = parent.add_subcommand(name, help);
  on_run(cmd, selected, [options, run = std::move(run)] { return run(*options); });
  return {options, cmd};
}

void add_train(CLI::App& app, Run& selected);
void add_augment(CLI::App& app, Run& selected);
void add_evaluate(CLI::App& app, Run& selected);
void add_predict(CLI::App& app, Run& selected);
void add_import(CLI::App& app, Run& selected);
void add_export(CLI::App& app, Run& selected);
void add_summary(CLI::App& app, Run& selected);
void add_report(CLI::App& app, Run& selected);
void add_tune(CLI::App& app, Run& selected);
void add_finetune(CLI::App& app, Run& selected);
void add_tokenizer(CLI::App& app, Run& selected);
void add_version(CLI::App& app, Run& selected);

struct DataOptions {
  std::string data = "fashion_mnist";  // or a folder of IDX files, or of train/ and test/ image folders
  long limit = 0;                      // only the first N training (and N/6 test) samples
  std::int64_t image_size = 28;        // image folders: decoded images are resized to this square
  int channels = 1;                    // image folders: 1 gray, 3 RGB
};
// --data, --image-size, --channels, --limit.
void add_data_options(CLI::App* cmd, DataOptions& d);
// The train or test split that the options describe.
data::DatasetPtr load_split(const DataOptions& options, const std::string& split);

// A built-in name (small_cnn, mlp), a zoo name or a model spec .json, for this input and classes.
std::shared_ptr<models::Model> model_from_spec_or_name(const std::string& model, const Shape& input_shape, std::int64_t classes);
// The test-split report (loss, accuracy, per-class table) printed; returned for JSON.
metrics::ClassificationReport print_report(train::Trainer& trainer, const data::Dataset& test_set);
// begin, begin + 1, ..., end - 1.
std::vector<std::int64_t> range(std::int64_t begin, std::int64_t end);
// The report as JSON: accuracy, per-class precision/recall/F1/support, averages, confusion matrix.
nlohmann::json evaluation_json(const metrics::ClassificationReport& report, const std::vector<std::string>& class_names);
// A JSON file (key order kept); `what` names it in the error for a missing or malformed file.
nlohmann::ordered_json read_json_file(const std::string& path, const char* what);
// Creates the folder an output file goes into, when missing.
void ensure_parent_folder(const std::string& path);
// An augmentation spec given inline or as a file that holds one.
std::string read_augment_spec(const std::string& spec_or_file);

}  // namespace strata::cli
