// Readable printing in the style of NumPy/PyTorch: nested brackets, long axes elided with
// "...", then the shape and dtype.
#include <cmath>
#include <cstdio>
#include <sstream>

#include "strata/tensor/tensor.h"

namespace strata {
namespace {

constexpr std::int64_t kEdgeItems = 3;   // shown at each end of a long axis
constexpr std::int64_t kMaxFull = 8;     // axes at most this long are shown whole

std::string format_value(double v, DType dtype) {
  if (dtype == DType::i64) return std::to_string(static_cast<std::int64_t>(v));
  char buf[32];
  if (std::isfinite(v) && (v == 0 || (std::fabs(v) >= 1e-4 && std::fabs(v) < 1e6)))
    std::snprintf(buf, sizeof buf, "%.4f", v);
  else
    std::snprintf(buf, sizeof buf, "%.4e", v);
  return buf;
}

void print_axis(std::ostringstream& out, const Tensor& t, std::vector<std::int64_t>& index, std::size_t axis) {
  const std::int64_t n = t.shape()[axis];
  out << "[";
  for (std::int64_t i = 0; i < n; ++i) {
    if (n > kMaxFull && i == kEdgeItems) {
      out << "...";
      i = n - kEdgeItems - 1;
      out << (axis + 1 == t.shape().size() ? ", " : ",\n" + std::string(axis + 8, ' '));
      continue;
    }
    index[axis] = i;
    if (axis + 1 == t.shape().size())
      out << format_value(t.at(index), t.dtype());
    else
      print_axis(out, t, index, axis + 1);  // depth is the tensor's rank, never data-dependent
    if (i + 1 < n) out << (axis + 1 == t.shape().size() ? ", " : ",\n" + std::string(axis + 8, ' '));
  }
  out << "]";
}

}  // namespace

std::string Tensor::to_string() const {
  if (!defined()) return "tensor(undefined)";
  std::ostringstream out;
  out << "tensor(";
  if (dim() == 0) {
    out << format_value(item(), dtype_);
  } else {
    std::vector<std::int64_t> index(dim(), 0);
    print_axis(out, *this, index, 0);
  }
  out << ", shape=" << shape_str(shape_) << ", dtype=" << dtype_name(dtype_) << ")";
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) { return out << t.to_string(); }

}  // namespace strata
