// The `strata` command: each subcommand declares its options in its own <name>_command.cpp
// (command.h); main parses, sets the thread count and runs the chosen one.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <new>
#include <omp.h>

#include "command.h"
#include "validators.h"

int main(int argc, char** argv) {
  namespace cli = strata::cli;
  CLI::App app{"Strata: deep learning in C++ with the Keras workflow"};
  app.require_subcommand(1);
  int threads = 0;
  app.add_option("--threads", threads, "CPU threads for kernels (default: all cores)")->check(cli::number_in(0, cli::max_threads()));
  cli::Run selected;
  for (auto add : {cli::add_train, cli::add_augment, cli::add_evaluate, cli::add_predict, cli::add_import, cli::add_export,
                   cli::add_summary, cli::add_report, cli::add_tune, cli::add_finetune, cli::add_tokenizer, cli::add_version})
    add(app, selected);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    // One line naming the problem, and the same exit code as every other bad input.
    std::fprintf(stderr, "error: %s (see --help)\n", e.what());
    return 2;
  }
  if (threads > 0) omp_set_num_threads(threads);
  try {
    return selected ? selected() : 0;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "error: out of memory: the model or data needs more memory than this machine can give\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
