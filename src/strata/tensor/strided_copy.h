// Internal: copy between two strided layouts of the same shape, converting element types.
#pragma once

#include <cstdint>
#include <vector>

#include "strata/tensor/shape.h"

namespace strata::detail {

// Walks `shape` in row-major order with an explicit index vector (no recursion), copying
// src[i] (at src_strides) to dst[i] (at dst_strides). The innermost axis is a tight loop.
template <class Src, class Dst>
void strided_copy(const Src* src, const Shape& src_strides, Dst* dst, const Shape& dst_strides,
                  const Shape& shape) {
  const std::size_t rank = shape.size();
  if (shape_numel(shape) == 0) return;
  if (rank == 0) {
    *dst = static_cast<Dst>(*src);
    return;
  }
  const std::int64_t inner = shape[rank - 1];
  const std::int64_t s_in = src_strides[rank - 1];
  const std::int64_t d_in = dst_strides[rank - 1];
  std::vector<std::int64_t> index(rank, 0);
  const std::int64_t outer = shape_numel(shape) / inner;
  for (std::int64_t o = 0; o < outer; ++o) {
    std::int64_t s_off = 0, d_off = 0;
    for (std::size_t a = 0; a + 1 < rank; ++a) {
      s_off += index[a] * src_strides[a];
      d_off += index[a] * dst_strides[a];
    }
    const Src* s = src + s_off;
    Dst* d = dst + d_off;
    for (std::int64_t i = 0; i < inner; ++i) d[i * d_in] = static_cast<Dst>(s[i * s_in]);
    for (std::size_t a = rank - 1; a-- > 0;) {  // odometer increment over the outer axes
      if (++index[a] < shape[a]) break;
      index[a] = 0;
    }
  }
}

}  // namespace strata::detail
