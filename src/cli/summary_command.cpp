// `strata summary`: Keras' summary table of a built-in, spec or saved model.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "command.h"
#include "validators.h"
#include "strata/io/model_io.h"

namespace strata::cli {
namespace {

int run_summary(const std::string& model) {
  std::shared_ptr<models::Model> m;
  if (std::filesystem::path(model).extension() == ".strata")
    m = io::load_model(model).model;
  else
    m = model_from_spec_or_name(model, {1, 28, 28}, 10);
  std::printf("%s", m->summary().c_str());
  return 0;
}

}  // namespace

void add_summary(CLI::App& app, Run& selected) {
  auto model = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("summary", "Print a model's layers, output shapes and parameters");
  cmd->add_option("model", *model, "small_cnn, mlp, a spec .json or a .strata file")->required();

  on_run(cmd, selected, [model] { return run_summary(*model); });
}

}  // namespace strata::cli
