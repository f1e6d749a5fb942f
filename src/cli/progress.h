// A Keras-style progress line: "epoch 1/2  312/938 [=========>..........] loss 0.4512 acc 0.8391 12.3s".
// On a terminal it redraws in place; in a log (CI) it prints at each tenth and at the end.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace strata::cli {

class ProgressBar {
 public:
  ProgressBar(std::string label, long total)
      : label_(std::move(label)), total_(total), tty_(isatty(fileno(stdout))), start_(std::chrono::steady_clock::now()) {}

  void update(long done, const std::string& metrics) {
    const bool last = done == total_;
    const long tenth = std::max(1L, total_ / 10);
    if (!tty_ && !last && done % tenth != 0) return;
    constexpr int kWidth = 30;
    const int filled = total_ ? static_cast<int>(kWidth * done / total_) : kWidth;
    std::string bar(kWidth, '.');
    for (int i = 0; i < filled; ++i) bar[i] = '=';
    if (filled < kWidth) bar[filled] = '>';
    std::printf("%s%s %ld/%ld [%s] %s %.1fs%s", tty_ ? "\r" : "", label_.c_str(), done, total_, bar.c_str(),
                metrics.c_str(), seconds(), (tty_ && !last) ? "" : "\n");
    std::fflush(stdout);
  }

  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::string label_;
  long total_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace strata::cli
