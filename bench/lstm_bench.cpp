// An LSTM layer, batch 64, 100 steps, 256 inputs, 256 units: forward and forward+backward
// (ops::rnn, the op behind layers::LSTM). bench/lstm compares the same with PyTorch's nn.LSTM.
#include <benchmark/benchmark.h>

#include "strata/ops/ops.h"

using namespace strata;

namespace {

constexpr std::int64_t kB = 64, kT = 100, kF = 256, kH = 256;
// Per step: the input and recurrent products (2 * B * (F + H) * 4H flops); backward twice that.
constexpr double kFlops = 2.0 * kB * kT * (kF + kH) * 4 * kH;

struct Lstm {
  Variable x{Tensor::normal({kB, kT, kF}, 0, 1), true};
  Variable kernel{Tensor::normal({kF, 4 * kH}, 0, 0.05), true};
  Variable recurrent{Tensor::normal({kH, 4 * kH}, 0, 0.05), true};
  Variable bias{Tensor::zeros({4 * kH}), true};
  std::vector<Variable> run() const { return ops::rnn(x, {}, kernel, recurrent, bias, ops::RnnOptions()); }
};

void BM_LstmForward(benchmark::State& state) {
  Lstm l;
  NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(l.run());
  state.counters["GFLOP/s"] = benchmark::Counter(kFlops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_LstmForwardBackward(benchmark::State& state) {
  Lstm l;
  const Tensor g = Tensor::normal({kB, kT, kH}, 0, 1);
  for (auto _ : state) {
    l.run()[0].backward(g);
    for (Variable* v : {&l.x, &l.kernel, &l.recurrent, &l.bias}) v->zero_grad();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(3 * kFlops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_LstmForward)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_LstmForwardBackward)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK_MAIN();
