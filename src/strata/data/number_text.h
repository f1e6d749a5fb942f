// Numbers in text data (CSV cells): the whole cell must be a finite number. strtod also reads
// "nan", "inf" and "1e400" (as infinity); one such cell would make a column's mean and standard
// deviation NaN and the model learn nothing, so they are refused like any other non-number.
#pragma once

#include <cmath>
#include <cstdlib>
#include <string>

namespace strata::data {

// nullptr when `text` is a finite number (stored in `out`), else what is wrong with it, for a
// message: "is not a number" or "is not a finite number".
inline const char* number_problem(const std::string& text, double& out) {
  char* end = nullptr;
  out = text.empty() ? 0 : std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) return "is not a number";
  return std::isfinite(out) ? nullptr : "is not a finite number";
}

inline bool parse_finite_number(const std::string& text, double& out) { return number_problem(text, out) == nullptr; }

}  // namespace strata::data
