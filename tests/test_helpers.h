// Small helpers shared by the tests.
#pragma once

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include <gtest/gtest.h>

#include "strata/tensor/error.h"
#include "strata/tensor/math.h"

namespace strata::testing {

// Built with AddressSanitizer (scripts/sanitize.sh): its quarantine keeps freed blocks, so
// tests that bound resident memory cannot hold it to their figure.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

// The message of the strata::Error that fn throws, or "" when it throws none.
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A golden file from tests/golden/ (made by the scripts in tools/golden/).
inline nlohmann::json read_golden(const std::string& file) {
  std::ifstream in(std::string(STRATA_TEST_DATA_DIR) + "/golden/" + file);
  if (!in.good()) throw Error("missing tests/golden/" + file + "; regenerate it with tools/golden/");
  return nlohmann::json::parse(in);
}

// A tensor stored in a golden file as {"shape": [...], "data": [...]}.
inline Tensor golden_tensor(const nlohmann::json& j, DType dtype = DType::f64) {
  return Tensor::from_vector(j["data"].get<std::vector<double>>(), j["shape"].get<Shape>()).to(dtype);
}

// Largest error relative to the largest magnitude of the expected tensor below `tolerance`.
inline void expect_close_to_golden(const Tensor& actual, const nlohmann::json& expected, double tolerance,
                                   const std::string& what) {
  const Tensor e = golden_tensor(expected);
  ASSERT_EQ(actual.shape(), e.shape()) << what;
  const double scale = std::max(max(abs(e)).item(), 1e-12);
  EXPECT_LT(max_abs_diff(actual.to(DType::f64), e) / scale, tolerance) << what;
}

}  // namespace strata::testing
