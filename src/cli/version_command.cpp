// `strata version`.
#include <cstdio>

#include "command.h"

namespace strata::cli {

void add_version(CLI::App& app, Run& selected) {
  auto* cmd = app.add_subcommand("version", "Print the version");
  on_run(cmd, selected, [] {
    std::printf("strata 0.1.0\n");
    return 0;
  });
}

}  // namespace strata::cli
