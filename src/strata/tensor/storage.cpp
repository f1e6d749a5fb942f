#include "strata/tensor/storage.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace strata {
namespace {

// Freed buffers are kept by size and handed out again: training repeats the same shapes
// every step, so after the first step no allocation reaches malloc, and no fresh pages are
// faulted in inside a kernel. The cache is bounded; past the bound buffers go back to the OS.
class BufferCache {
 public:
  static constexpr std::size_t kMaxCachedBytes = std::size_t{2} << 30;

  void* acquire(std::size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(bytes);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        cached_bytes_ -= bytes;
        return p;
      }
    }
    void* p = std::aligned_alloc(Storage::kAlignment, bytes);
    if (!p) throw std::bad_alloc();
    return p;
  }

  void release(void* p, std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cached_bytes_ + bytes > kMaxCachedBytes) {
      std::free(p);
      return;
    }
    free_[bytes].push_back(p);
    cached_bytes_ += bytes;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::size_t, std::vector<void*>> free_;
  std::size_t cached_bytes_ = 0;
};

BufferCache& cache() {
  static BufferCache* c = new BufferCache();  // never destroyed: storages may outlive static teardown
  return *c;
}

std::size_t rounded(std::size_t bytes) {
  const std::size_t r = ((bytes + Storage::kAlignment - 1) / Storage::kAlignment) * Storage::kAlignment;
  return r == 0 ? Storage::kAlignment : r;
}

}  // namespace

Storage::Storage(std::size_t bytes, Device device)
    : data_(cache().acquire(rounded(bytes))), bytes_(bytes), device_(device) {}

Storage::~Storage() { cache().release(data_, rounded(bytes_)); }

}  // namespace strata
