// NumPy .npy files (format 1.0/2.0, little-endian float32/float64, C order): reading reference
// tensors made by Python tools, and writing tensors for them.
#pragma once

#include <string>

#include "strata/tensor/tensor.h"

namespace strata::io {

// f4 data becomes an f32 tensor, f8 an f64 tensor. Throws naming the file on anything else.
Tensor read_npy(const std::string& path);
// Writes a float32 .npy file (format 1.0, C order), atomically.
void write_npy(const std::string& path, const Tensor& value);

}  // namespace strata::io
