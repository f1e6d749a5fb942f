// The option idiom of Strata's option structs (layer options, FitOptions, ZooOptions):
// STRATA_OPTION(Self, T, name, value) declares `T name_ = value;` and a chained setter
// `Self& name(T)`, so options read as `DenseOptions(10).activation("relu").use_bias(false)`.
// In a base shared by several option structs, Self is the derived struct (CRTP), so the
// chain keeps its type: `struct DenseOptions : KernelBiasOptions<DenseOptions>`.
#pragma once

#include <utility>

#define STRATA_OPTION(Self, T, name, value) \
  T name##_ = value;                        \
  Self& name(T v) {                         \
    name##_ = std::move(v);                 \
    return static_cast<Self&>(*this);       \
  }
