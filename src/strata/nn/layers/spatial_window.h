// Internal to the rank-generic layers of nn/layers/ (padding, cropping, upsampling, spatial
// dropout): their Keras names by rank, the check of an example's (C, *spatial) shape, and the
// (begin, end) amounts per axis that padding and cropping take.
#pragma once

#include <array>
#include <string>

#include "strata/nn/layer.h"
#include "strata/nn/layer_config.h"

namespace strata::nn {

// "ZeroPadding" + 2 -> "ZeroPadding2D".
inline std::string ranked_name(const char* family, std::size_t rank) { return family + std::to_string(rank) + "D"; }

// Checks that `example` is (C, *spatial) with `rank` spatial axes.
inline void check_spatial_example(const Shape& example, std::size_t rank, const std::string& type, const std::string& name) {
  STRATA_CHECK(example.size() == rank + 1, type, " '", name, "': expects input (C, ", rank, " spatial sizes) but got ",
               shape_str(example));
}

// (begin, end) per spatial axis.
template <std::size_t Rank>
using SpatialAmounts = std::array<std::array<std::int64_t, 2>, Rank>;

template <std::size_t Rank>
SpatialAmounts<Rank> uniform_amounts(std::int64_t v) {
  SpatialAmounts<Rank> all;
  all.fill({v, v});
  return all;
}

template <std::size_t Rank>
void check_amounts(const SpatialAmounts<Rank>& amounts, const std::string& type, const char* what) {
  for (const auto& a : amounts) STRATA_CHECK(a[0] >= 0 && a[1] >= 0, type, ": ", what, " must be >= 0");
}

// Keras' config form: one (begin, end) pair in 1-D, one pair per axis otherwise.
template <std::size_t Rank>
nlohmann::json amounts_value(const SpatialAmounts<Rank>& amounts) {
  if constexpr (Rank == 1) return amounts[0];
  else return amounts;
}
template <std::size_t Rank>
SpatialAmounts<Rank> read_amounts(const nlohmann::json& c, const char* key) {
  if constexpr (Rank == 1) return {config::require<std::array<std::int64_t, 2>>(c, key)};
  else return config::require<SpatialAmounts<Rank>>(c, key);
}

}  // namespace strata::nn
