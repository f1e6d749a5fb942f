// MultiHeadAttention self-attention (batch 8, width 256, 4 heads), training mode without
// dropout, for the sequence length given as the argument: prints the median forward ms, the
// median forward+backward ms, and the peak resident memory a forward+backward added above the
// process's settled state, in MiB. One length per process, so each peak is its own.
// bench/attention runs 128, 256 and 512 beside PyTorch's nn.MultiheadAttention.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "strata/nn/layers.h"

using namespace strata;
using Clock = std::chrono::steady_clock;

namespace {

double peak_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // KiB on Linux
}

template <class Fn>
double median_ms(Fn&& fn, double seconds = 1.0) {
  fn();
  std::vector<double> times;
  const auto start = Clock::now();
  while (std::chrono::duration<double>(Clock::now() - start).count() < seconds || times.size() < 3) {
    const auto t = Clock::now();
    fn();
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t T = argc > 1 ? std::atoll(argv[1]) : 256;
  constexpr std::int64_t kBatch = 8, kWidth = 256, kHeads = 4;
  auto mha = layers::MultiHeadAttention(kHeads, kWidth / kHeads);
  Variable x(Tensor::normal({kBatch, T, kWidth}, 0, 1), true);
  const Tensor g = Tensor::normal({kBatch, T, kWidth}, 0, 1);
  mha->build_if_needed({{T, kWidth}, {T, kWidth}});
  const auto step = [&] {
    mha->call({x, x}, /*training=*/true).backward(g);
    x.zero_grad();
    for (auto* w : mha->weights()) w->variable.zero_grad();
  };
  const double settled = peak_mib();
  step();
  const double peak = peak_mib() - settled;
  const double forward = median_ms([&] {
    NoGradGuard no_grad;
    mha->call({x, x}, true);
  });
  const double forward_backward = median_ms(step);
  std::printf("%.3f %.3f %.1f\n", forward, forward_backward, peak);
}
