// The `strata` command. Subcommands live in their own files; this one wires the flags.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <omp.h>

#include "strata/tensor/error.h"
#include "train_command.h"

int main(int argc, char** argv) {
  CLI::App app{"Strata: deep learning in C++ with the Keras workflow"};
  app.require_subcommand(1);
  int threads = 0;
  app.add_option("--threads", threads, "CPU threads for kernels (default: all cores)")->check(CLI::NonNegativeNumber);

  strata::cli::TrainOptions train;
  auto* train_cmd = app.add_subcommand("train", "Train the small CNN on Fashion-MNIST and print a test report");
  train_cmd->add_option("--data-dir", train.data_dir, "Folder with the Fashion-MNIST IDX files")->capture_default_str();
  train_cmd->add_option("--epochs", train.epochs, "Passes over the training set")->capture_default_str()->check(CLI::PositiveNumber);
  train_cmd->add_option("--batch-size", train.batch_size, "Images per step")->capture_default_str()->check(CLI::PositiveNumber);
  train_cmd->add_option("--lr", train.learning_rate, "Learning rate")->capture_default_str()->check(CLI::PositiveNumber);
  train_cmd->add_option("--optimizer", train.optimizer, "adam or sgd (momentum 0.9)")
      ->capture_default_str()
      ->check(CLI::IsMember({"adam", "sgd"}));
  train_cmd->add_option("--seed", train.seed, "Seed for initialization, shuffling and dropout")->capture_default_str();
  train_cmd->add_option("--limit", train.limit, "Use only the first N training images (0: all)")->capture_default_str()->check(CLI::NonNegativeNumber);

  auto* version_cmd = app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);
  if (threads > 0) omp_set_num_threads(threads);
  try {
    if (*version_cmd) {
      std::printf("strata 0.1.0\n");
      return 0;
    }
    if (*train_cmd) return strata::cli::run_train(train);
  } catch (const strata::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
