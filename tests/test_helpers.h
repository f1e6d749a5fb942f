// Small helpers shared by the tests.
#pragma once

#include <functional>
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

}  // namespace strata::testing
