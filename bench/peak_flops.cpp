// Measures the CPU's fp32 peak: every thread runs chains of independent fused multiply-adds
// on the widest vectors it has (AVX-512 when present, else AVX2+FMA), enough chains to hide
// the FMA latency. Prints GFLOP/s for one thread and for all threads, as JSON with --json.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <immintrin.h>

namespace {

constexpr long kIterations = 200'000'000 / 16;
constexpr int kChains = 12;  // > latency (4) x ports (2): keeps both FMA units busy

__attribute__((target("avx512f"))) double run_avx512(long iterations) {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(1.0f + i * 1e-3f);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long it = 0; it < iterations; ++it)
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  float sum = 0;
  for (int i = 0; i < kChains; ++i) sum += _mm512_reduce_add_ps(acc[i]);
  return sum;
}

__attribute__((target("avx2,fma"))) double run_avx2(long iterations) {
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(1.0f + i * 1e-3f);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long it = 0; it < iterations; ++it)
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  float out[8], sum = 0;
  for (int i = 0; i < kChains; ++i) {
    _mm256_storeu_ps(out, acc[i]);
    for (float f : out) sum += f;
  }
  return sum;
}

// GFLOP/s with `threads` threads, best of three runs.
double measure(int threads, bool avx512) {
  const int lanes = avx512 ? 16 : 8;
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    double sink = 0;
    const auto start = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    sink += avx512 ? run_avx512(kIterations) : run_avx2(kIterations);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double flops = 2.0 * lanes * kChains * double(kIterations) * threads;
    if (sink == 42.0) std::puts("");  // keeps the work observable
    best = std::max(best, flops / seconds / 1e9);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const bool json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
  const bool avx512 = __builtin_cpu_supports("avx512f");
  const int threads = omp_get_max_threads();
  const double one = measure(1, avx512), all = measure(threads, avx512);
  if (json)
    std::printf("{\"isa\":\"%s\",\"threads\":%d,\"gflops_1_thread\":%.1f,\"gflops_all_threads\":%.1f}\n",
                avx512 ? "avx512" : "avx2", threads, one, all);
  else
    std::printf("fp32 FMA peak (%s): %.1f GFLOP/s on 1 thread, %.1f GFLOP/s on %d threads\n",
                avx512 ? "AVX-512" : "AVX2", one, all, threads);
  return 0;
}
