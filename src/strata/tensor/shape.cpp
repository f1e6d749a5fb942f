#include "strata/tensor/shape.h"

#include <algorithm>

#include "strata/tensor/error.h"

namespace strata {

// Checked: a shape read from a file or a config can declare more elements than an int64 holds,
// and a wrapped product would size a buffer too small for what is later written into it.
std::int64_t shape_numel(const Shape& shape) {
  std::int64_t n = 1;
  for (auto d : shape)
    STRATA_CHECK(!__builtin_mul_overflow(n, d, &n), "shape ", shape_str(shape),
                 " has more elements than a 64-bit count can hold");
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  std::int64_t stride = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    STRATA_CHECK(!__builtin_mul_overflow(stride, std::max<std::int64_t>(shape[i], 1), &stride), "shape ",
                 shape_str(shape), " has more elements than a 64-bit count can hold");
  }
  return strides;
}

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::int64_t normalize_axis(std::int64_t axis, std::int64_t rank, const char* op) {
  STRATA_CHECK(axis >= -rank && axis < rank, op, ": axis ", axis, " is out of range for a tensor of rank ",
               rank);
  return axis < 0 ? axis + rank : axis;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const std::int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    STRATA_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", shape_str(a), " and ", shape_str(b),
                 " cannot be broadcast together (dimension ", i, ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace strata
