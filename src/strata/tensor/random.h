// One seeded source of randomness. Initialization, shuffling, dropout and augmentation all
// draw from a Generator, by default the global one, so manual_seed(s) makes a run repeatable.
#pragma once

#include <cstdint>
#include <random>

namespace strata {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 42) : engine_(seed) {}
  void seed(std::uint64_t s) { engine_.seed(s); }
  double uniform(double low = 0.0, double high = 1.0) {
    return std::uniform_real_distribution<double>(low, high)(engine_);
  }
  double normal(double mean = 0.0, double stddev = 1.0) {
    return std::normal_distribution<double>(mean, stddev)(engine_);
  }
  std::uint64_t next() { return engine_(); }
  // Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(engine_); }
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

// The calling thread's generator, used when none is passed explicitly (each thread has its
// own, seeded 42 until manual_seed is called on that thread).
Generator& default_generator();
void manual_seed(std::uint64_t seed);

}  // namespace strata
