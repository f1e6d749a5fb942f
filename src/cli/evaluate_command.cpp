// `strata evaluate`: the classification report of a saved model on the test split (and as JSON).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "command.h"
#include "validators.h"
#include "strata/io/model_io.h"
#include "strata/io/text_file.h"
#include "strata/train/training.h"

namespace strata::cli {
namespace {

struct EvaluateOptions {
  std::string model;
  DataOptions data;
  std::string json;  // also write the report as JSON here
};

int run_evaluate(const std::string& model_path, const DataOptions& data, const std::string& json_path) {
  const auto test = load_split(data, "test");
  train::Trainer trainer = train::restore(io::load_model(model_path));
  std::printf("Evaluating %s on the test split of %s\n", model_path.c_str(), data.data.c_str());
  const auto report = print_report(trainer, *test);
  if (!json_path.empty()) {
    io::write_text_file(json_path, evaluation_json(report, test->class_names()).dump(2) + "\n");
    std::printf("wrote %s\n", json_path.c_str());
  }
  return 0;
}

}  // namespace

void add_evaluate(CLI::App& app, Run& selected) {
  auto [o, cmd] = add_command<EvaluateOptions>(
      app, selected, "evaluate", "Evaluate a saved model on the test split",
      [](const EvaluateOptions& p) { return run_evaluate(p.model, p.data, p.json); });
  cmd->add_option("model", o->model, "A .strata model file")->required();
  add_data_options(cmd, o->data);
  cmd->add_option("--json", o->json, "Also write the report as JSON to this file");
}

}  // namespace strata::cli
