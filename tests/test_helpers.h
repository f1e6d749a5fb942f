// Small helpers shared by the tests.
#pragma once

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "strata/tensor/error.h"

namespace strata::testing {

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

}  // namespace strata::testing
