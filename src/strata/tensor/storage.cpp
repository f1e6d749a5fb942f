#include "strata/tensor/storage.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace strata {

Storage::Storage(std::size_t bytes, Device device) : bytes_(bytes), device_(device) {
  const std::size_t rounded = ((bytes + kAlignment - 1) / kAlignment) * kAlignment;
  data_ = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  if (!data_) throw std::bad_alloc();
  std::memset(data_, 0, rounded == 0 ? kAlignment : rounded);
}

Storage::~Storage() { std::free(data_); }

}  // namespace strata
