// The `strata` subcommands. Each returns the process exit code; errors are thrown as
// strata::Error and reported by main() as "error: ..." with exit code 2.
#pragma once

#include <string>

namespace strata::cli {

struct DataOptions {
  std::string data = "fashion_mnist";  // or a folder of MNIST-layout IDX files
  long limit = 0;                      // only the first N training (and N/6 test) samples
};

struct TrainOptions {
  std::string model = "small_cnn";  // built-in name or a model spec .json
  DataOptions data;
  int epochs = 10;
  int batch_size = 64;
  std::string optimizer = "adam";
  double learning_rate = 0.0;  // 0: the optimizer's default
  double validation_split = 0.1;
  unsigned long seed = 42;
  std::string output = "runs/model.strata";
  int verbose = 1;
};

int run_train(const TrainOptions& options);
int run_evaluate(const std::string& model_path, const DataOptions& data);
int run_summary(const std::string& model);
int run_predict(const std::string& model_path, const DataOptions& data, long count, int top_k);

}  // namespace strata::cli
