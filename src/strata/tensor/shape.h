// Shapes, strides and the broadcasting rule (NumPy's), shared by every layer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata {

using Shape = std::vector<std::int64_t>;

std::int64_t shape_numel(const Shape& shape);
// Row-major strides, in elements.
Shape contiguous_strides(const Shape& shape);
// "[64,3,28,28]"
std::string shape_str(const Shape& shape);
// Maps a possibly negative axis into [0, rank); throws naming `op` when out of range.
std::int64_t normalize_axis(std::int64_t axis, std::int64_t rank, const char* op);
// NumPy broadcasting of two shapes; throws naming `op` when they are incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace strata
