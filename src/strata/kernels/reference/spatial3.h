// Internal to the reference kernels: spatial sizes of rank 1 to 3 held as rank 3 (D, H, W),
// the missing leading axes of size 1 (or padding 0), so one loop nest serves every rank.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace strata::kernels::reference {

using Size3 = std::array<std::int64_t, 3>;

// The last v.size() entries hold v; the others hold `fill`.
inline Size3 as3(const std::vector<std::int64_t>& v, std::int64_t fill) {
  Size3 out{fill, fill, fill};
  for (std::size_t i = 0; i < v.size(); ++i) out[3 - v.size() + i] = v[i];
  return out;
}

// The spatial axes (all after N and C) of a channels-first shape.
inline Size3 spatial3(const std::vector<std::int64_t>& shape) {
  return as3(std::vector<std::int64_t>(shape.begin() + 2, shape.end()), 1);
}

}  // namespace strata::kernels::reference
