// Strata's conv2d and matmul, forward and forward+backward through the autograd ops, with
// GFLOP/s as a rate counter. bench/run compares the same shapes with PyTorch.
#include <benchmark/benchmark.h>

#include "strata/ops/ops.h"

using namespace strata;

namespace {

// The reference convolution: input [64,32,14,14], 64 filters 3x3, padding 1.
constexpr std::int64_t kN = 64, kC = 32, kH = 14, kO = 64, kK = 3;
constexpr double kConvFlops = 2.0 * kN * kO * kH * kH * kC * kK * kK;

void BM_Conv2dForward(benchmark::State& state) {
  Variable x(Tensor::normal({kN, kC, kH, kH}, 0, 1)), w(Tensor::normal({kO, kC, kK, kK}, 0, 0.1)), b(Tensor::zeros({kO}));
  NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(ops::conv2d(x, w, b, ops::ConvGeometry().padding(1)));
  state.counters["GFLOP/s"] = benchmark::Counter(kConvFlops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Conv2dForwardBackward(benchmark::State& state) {
  Variable x(Tensor::normal({kN, kC, kH, kH}, 0, 1), true), w(Tensor::normal({kO, kC, kK, kK}, 0, 0.1), true);
  Variable b(Tensor::zeros({kO}), true);
  const Tensor gy = Tensor::normal({kN, kO, kH, kH}, 0, 1);
  for (auto _ : state) {
    Variable y = ops::conv2d(x, w, b, ops::ConvGeometry().padding(1));
    y.backward(gy);
    x.zero_grad();
    w.zero_grad();
    b.zero_grad();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(3 * kConvFlops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Matmul(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  Variable a(Tensor::normal({n, n}, 0, 1)), b(Tensor::normal({n, n}, 0, 1));
  NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(ops::matmul(a, b));
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * n * n * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_MatmulForwardBackward(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  Variable a(Tensor::normal({n, n}, 0, 1), true), b(Tensor::normal({n, n}, 0, 1), true);
  const Tensor gy = Tensor::normal({n, n}, 0, 1);
  for (auto _ : state) {
    ops::matmul(a, b).backward(gy);
    a.zero_grad();
    b.zero_grad();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(6.0 * n * n * n * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_Conv2dForward)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_Conv2dForwardBackward)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_Matmul)->Arg(1024)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_MatmulForwardBackward)->Arg(1024)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK_MAIN();
