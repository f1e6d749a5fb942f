// Tensor: a typed, shaped, strided view onto shared aligned storage.
//
// Views (reshape of a contiguous tensor, permute/transpose, slice, expand, squeeze) share
// storage with their source; copies (contiguous, clone, to) do not. Element-wise math,
// reductions and printing live in tensor/math.h; matmul and the neural-network kernels in
// kernels/kernels.h. Layout convention for images everywhere in Strata: NCHW.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "strata/tensor/dtype.h"
#include "strata/tensor/error.h"
#include "strata/tensor/shape.h"
#include "strata/tensor/storage.h"

namespace strata {

class Generator;

class Tensor {
 public:
  Tensor() = default;  // undefined: defined() is false

  // ---- creation ----
  static Tensor empty(const Shape& shape, DType dtype = DType::f32);  // uninitialized
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32);
  static Tensor ones(const Shape& shape, DType dtype = DType::f32);
  static Tensor full(const Shape& shape, double value, DType dtype = DType::f32);
  static Tensor scalar(double value, DType dtype = DType::f32);  // rank 0
  static Tensor arange(std::int64_t n, DType dtype = DType::f32);
  template <class T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape);
  // Random fills draw from `gen`, or from the global generator seeded by manual_seed().
  static Tensor uniform(const Shape& shape, double low, double high, DType dtype = DType::f32,
                        Generator* gen = nullptr);
  static Tensor normal(const Shape& shape, double mean, double stddev, DType dtype = DType::f32,
                       Generator* gen = nullptr);

  // ---- properties ----
  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }
  std::int64_t dim() const { return static_cast<std::int64_t>(shape_.size()); }
  std::int64_t size(std::int64_t axis) const;  // negative axes count from the end
  std::int64_t numel() const { return shape_numel(shape_); }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_ ? storage_->device() : Device::cpu; }
  bool is_contiguous() const;
  // True when both tensors view the same storage.
  bool shares_storage_with(const Tensor& other) const { return storage_ == other.storage_; }

  // Pointer to the first element; throws when T does not match dtype().
  template <class T> T* data();
  template <class T> const T* data() const;
  void* raw_data();
  const void* raw_data() const;

  // ---- views (share storage) ----
  Tensor reshape(const Shape& shape) const;  // one -1 allowed; copies only when it must
  Tensor view(const Shape& shape) const;     // like reshape but never copies (throws instead)
  Tensor permute(const std::vector<std::int64_t>& order) const;
  Tensor transpose(std::int64_t a, std::int64_t b) const;
  Tensor t() const { return transpose(0, 1); }  // rank 2 only
  Tensor slice(std::int64_t axis, std::int64_t start, std::int64_t stop, std::int64_t step = 1) const;
  Tensor select(std::int64_t axis, std::int64_t index) const;  // drops the axis
  Tensor expand(const Shape& shape) const;                      // broadcast without copying
  Tensor squeeze(std::int64_t axis) const;
  Tensor unsqueeze(std::int64_t axis) const;
  Tensor flatten(std::int64_t start_axis = 0) const;

  // ---- copies ----
  Tensor contiguous() const;  // returns *this when already contiguous
  Tensor clone() const;       // always a fresh contiguous copy
  Tensor to(DType dtype) const;

  // ---- in place ----
  // Copies `src` (broadcast to this shape, converting dtype) into this tensor's elements.
  void copy_(const Tensor& src);
  void fill_(double value);

  // ---- element access (slow; for tests, printing and scalars) ----
  double item() const;  // requires exactly one element
  double at(const std::vector<std::int64_t>& index) const;
  template <class T> std::vector<T> to_vector() const;

  std::string to_string() const;

 private:
  Tensor(std::shared_ptr<Storage> storage, Shape shape, Shape strides, std::int64_t offset, DType dtype);
  void check_dtype(DType expected, const char* op) const;

  std::shared_ptr<Storage> storage_;
  Shape shape_;
  Shape strides_;
  std::int64_t offset_ = 0;  // in elements
  DType dtype_ = DType::f32;
};

std::ostream& operator<<(std::ostream& out, const Tensor& t);

// ---- template definitions ----
template <class T>
T* Tensor::data() {
  check_dtype(dtype_of<T>(), "data");
  return static_cast<T*>(storage_->data()) + offset_;
}
template <class T>
const T* Tensor::data() const {
  check_dtype(dtype_of<T>(), "data");
  return static_cast<const T*>(storage_->data()) + offset_;
}
template <class T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape) {
  STRATA_CHECK(static_cast<std::int64_t>(values.size()) == shape_numel(shape), "from_vector: shape ",
               shape_str(shape), " needs ", shape_numel(shape), " values but got ", values.size());
  Tensor t = empty(shape, dtype_of<T>());
  T* out = t.data<T>();
  for (std::size_t i = 0; i < values.size(); ++i) out[i] = values[i];
  return t;
}
template <class T>
std::vector<T> Tensor::to_vector() const {
  Tensor c = to(dtype_of<T>()).contiguous();
  const T* p = c.data<T>();
  return std::vector<T>(p, p + c.numel());
}

}  // namespace strata
