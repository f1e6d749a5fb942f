// Internal to the rank-generic layers of nn/layers/ (padding, cropping, upsampling, spatial
// dropout): their Keras names by rank and the check of an example's (C, *spatial) shape.
#pragma once

#include <string>

#include "strata/nn/layer.h"

namespace strata::nn {

// "ZeroPadding" + 2 -> "ZeroPadding2D".
inline std::string ranked_name(const char* family, std::size_t rank) { return family + std::to_string(rank) + "D"; }

// Checks that `example` is (C, *spatial) with `rank` spatial axes.
inline void check_spatial_example(const Shape& example, std::size_t rank, const std::string& type, const std::string& name) {
  STRATA_CHECK(example.size() == rank + 1, type, " '", name, "': expects input (C, ", rank, " spatial sizes) but got ",
               shape_str(example));
}

}  // namespace strata::nn
