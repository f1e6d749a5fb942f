// Internal to kernels/cpu: the oneDNN engine and stream, tensor <-> memory wrapping, layout
// reorders, and the primitive cache (creating a primitive is costly; shapes repeat every step).
#pragma once

#include <dnnl.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "strata/tensor/tensor.h"

namespace strata::kernels::cpu {

dnnl::engine& engine();
dnnl::stream& stream();

dnnl::memory::dims dims_of(const Shape& shape);
// Describes t's actual strides (f32), so views such as transposes are read in place.
dnnl::memory::desc strided_desc(const Tensor& t);
// Plain row-major description of a shape (f32).
dnnl::memory::desc plain_desc(const Shape& shape);
// Wraps t's buffer (no copy). oneDNN may write through it, so pass outputs only for outputs.
dnnl::memory wrap(const Tensor& t, const dnnl::memory::desc& desc);
dnnl::memory wrap(const Tensor& t);

// A oneDNN memory whose buffer is a Strata tensor, so it comes from the buffer cache rather
// than a fresh allocation (and fresh page faults) on every call.
struct OwnedMemory {
  Tensor buffer;  // undefined when the memory wraps someone else's buffer
  dnnl::memory memory;
};
OwnedMemory allocate(const dnnl::memory::desc& desc);

// `user` itself when it already has layout `wanted`; otherwise a new memory reordered into it.
OwnedMemory reorder_to(const dnnl::memory& user, const dnnl::memory::desc& wanted);
// Copies `src` into `dst` (of another layout).
void reorder_into(const dnnl::memory& src, const dnnl::memory& dst);

// Process-wide cache of primitive descriptors and primitives, keyed by a string that names
// the op and every shape and option that determine it.
template <class Entry>
Entry& cached(const std::string& key, const std::function<Entry()>& make) {
  static std::mutex mutex;
  static std::unordered_map<std::string, std::unique_ptr<Entry>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, std::make_unique<Entry>(make())).first;
  return *it->second;
}

// A primitive with the descriptor it was made from (the descriptor answers layout queries).
template <class Primitive>
struct CachedPrimitive {
  typename Primitive::primitive_desc pd;
  Primitive prim;
};

// The cached primitive for `key`, built from make_pd() on first use.
template <class Primitive, class MakePd>
CachedPrimitive<Primitive>& cached_primitive(const std::string& key, MakePd&& make_pd) {
  return cached<CachedPrimitive<Primitive>>(key, [&] {
    typename Primitive::primitive_desc pd = make_pd();
    return CachedPrimitive<Primitive>{pd, Primitive(pd)};
  });
}

// Runs a primitive on the shared stream and waits for it.
void execute(const dnnl::primitive& p, const std::unordered_map<int, dnnl::memory>& args);

}  // namespace strata::kernels::cpu
