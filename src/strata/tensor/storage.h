// A reference-counted, 64-byte aligned buffer. Tensors share one Storage between views.
#pragma once

#include <cstddef>
#include <memory>

#include "strata/tensor/dtype.h"

namespace strata {

class Storage {
 public:
  // Uninitialized (Tensor::zeros fills). Buffers come from a size-keyed cache of freed ones.
  Storage(std::size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() { return data_; }
  const void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

  static constexpr std::size_t kAlignment = 64;  // one cache line; what AVX-512 loads like

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
  Device device_;
};

}  // namespace strata
