// Strata's one exception type and the check macro every layer uses to report bad input.
// Messages name the operation, what it expected and what it found, e.g.
//   "conv2d: input has 3 channels but weight expects 1; input [64,3,28,28], weight [32,1,3,3]"
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace strata {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}
}  // namespace detail

}  // namespace strata

// Throws strata::Error with the concatenated message parts when `cond` is false.
#define STRATA_CHECK(cond, ...)                                        \
  do {                                                                 \
    if (!(cond)) throw ::strata::Error(::strata::detail::concat(__VA_ARGS__)); \
  } while (0)
