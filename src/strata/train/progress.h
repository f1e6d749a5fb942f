// Keras' progress bar. On a terminal: " 312/938 [=========>....] - ETA: 8s - loss: 0.4512 - accuracy: 0.8391",
// redrawn in place, then the epoch's final line with time per step and validation figures.
// Not on a terminal (a log, CI): only the final line of each epoch.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace strata::train {

class ProgressBar {
 public:
  ProgressBar(long steps, int verbose);
  // Whether update(step, ...) would draw now (so callers compute the logs only then).
  bool wants_update(long step) const;
  void update(long step, const std::map<std::string, double>& logs);
  void finish(const std::map<std::string, double>& logs);

 private:
  std::string line(long step, const std::map<std::string, double>& logs, bool final) const;
  long steps_;
  int verbose_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace strata::train
