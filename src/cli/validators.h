// Numeric checks for the command's options. CLI11's own Range/PositiveNumber let NaN through
// (every comparison with NaN is false), print DBL_MAX with 300 digits, and an int option given
// 99999999999 fails in conversion with a confusing message; these parse the text as a number,
// refuse non-finite values, and name the allowed range in a short form.
#pragma once

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>

namespace strata::cli {

enum class Bound { inclusive, exclusive };

// A finite number in [lo, hi] (or (lo, hi] with Bound::exclusive for lo).
inline CLI::Validator number_in(double lo, double hi, Bound low = Bound::inclusive) {
  std::ostringstream range;
  range << (low == Bound::inclusive ? "[" : "(") << lo << ", " << hi << "]";
  const std::string description = range.str();
  return CLI::Validator(
      [lo, hi, low, description](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size()) return "expected a number, got \"" + text + "\"";
        if (!std::isfinite(v)) return "expected a finite number, got " + text;
        if (v < lo || v > hi || (low == Bound::exclusive && v == lo))
          return "expected a number in " + description + ", got " + text;
        return "";
      },
      "NUMBER in " + description);
}

// The most threads (kernel threads, loader workers) accepted: more than a few per core only
// costs memory and, at some point, thread creation fails.
inline double max_threads() { return std::max(8.0, 4.0 * std::max(1u, std::thread::hardware_concurrency())); }

// Upper bound for counts that have no natural one (epochs, trials, samples).
constexpr double kMaxCount = 1e6;

}  // namespace strata::cli
