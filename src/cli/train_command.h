// `strata train`: the main job. Trains the small CNN on Fashion-MNIST and prints a
// classification report on the test split.
#pragma once

#include <string>

namespace strata::cli {

struct TrainOptions {
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  int epochs = 2;
  int batch_size = 64;
  double learning_rate = 1e-3;
  std::string optimizer = "adam";  // or "sgd" (momentum 0.9)
  unsigned long seed = 42;
  long limit = 0;  // use only the first N training and N/6 test images (0: all), for smoke tests
};

// Returns the process exit code.
int run_train(const TrainOptions& options);

}  // namespace strata::cli
