// Named-tensor files in the safetensors layout, which other ecosystems read:
//   8 bytes: little-endian u64 N; N bytes: JSON header
//     {"__metadata__": {string: string}, "<name>": {"dtype": "F32"|"F64"|"I64", "shape": [...],
//      "data_offsets": [begin, end]}, ...}
//   then the raw little-endian tensor data, offsets relative to the end of the header.
// Writes are atomic (temporary file in the same folder, flushed, then renamed), so a crash or
// a full disk never leaves a half-written file in place of a good one.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "strata/tensor/tensor.h"

namespace strata::io {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

void write_tensor_file(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata);

struct TensorFile {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;
};

// Throws naming the file and the problem for a missing, truncated or corrupt file.
TensorFile read_tensor_file(const std::string& path);

}  // namespace strata::io
