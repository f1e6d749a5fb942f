// Element types and the helpers that turn a runtime dtype into a compile-time C++ type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "strata/tensor/error.h"

namespace strata {

// f32 is the working type; f64 exists so gradient checks can run in double precision
// (reference kernels are templates over both); i64 holds labels and indices.
enum class DType : std::uint8_t { f32, f64, i64 };

// Where a tensor's storage lives. Only the CPU backend exists today; ops dispatch on this
// so a CUDA backend can be added as one more kernels folder.
enum class Device : std::uint8_t { cpu };

inline std::size_t dtype_size(DType dtype) {
  return dtype == DType::f32 ? 4 : 8;
}

inline std::string dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32: return "f32";
    case DType::f64: return "f64";
    case DType::i64: return "i64";
  }
  return "?";
}

inline bool is_floating(DType dtype) { return dtype != DType::i64; }

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<double>() { return DType::f64; }
template <> constexpr DType dtype_of<std::int64_t>() { return DType::i64; }

// Calls fn.template operator()<T>() with T the C++ type of a floating dtype.
template <class Fn>
decltype(auto) dispatch_floating(DType dtype, const char* op, Fn&& fn) {
  switch (dtype) {
    case DType::f32: return fn.template operator()<float>();
    case DType::f64: return fn.template operator()<double>();
    default: break;
  }
  throw Error(detail::concat(op, ": expected a floating-point tensor (f32 or f64) but got ",
                             dtype_name(dtype)));
}

// Same for every dtype, integers included.
template <class Fn>
decltype(auto) dispatch_all(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::f32: return fn.template operator()<float>();
    case DType::f64: return fn.template operator()<double>();
    case DType::i64: return fn.template operator()<std::int64_t>();
  }
  throw Error("unknown dtype");
}

}  // namespace strata
