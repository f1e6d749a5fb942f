#include "strata/tensor/tensor.h"

#include <algorithm>
#include <numeric>

#include "strata/tensor/strided_copy.h"

namespace strata {

Tensor::Tensor(std::shared_ptr<Storage> storage, Shape shape, Shape strides, std::int64_t offset, DType dtype)
    : storage_(std::move(storage)), shape_(std::move(shape)), strides_(std::move(strides)), offset_(offset),
      dtype_(dtype) {}

void Tensor::check_dtype(DType expected, const char* op) const {
  STRATA_CHECK(defined(), op, ": tensor is undefined");
  STRATA_CHECK(dtype_ == expected, op, ": expected dtype ", dtype_name(expected), " but tensor has ",
               dtype_name(dtype_));
}

// ---------------------------------------------------------------- creation
Tensor Tensor::empty(const Shape& shape, DType dtype) {
  for (auto d : shape) STRATA_CHECK(d >= 0, "empty: negative dimension in shape ", shape_str(shape));
  std::int64_t bytes = 0;
  STRATA_CHECK(!__builtin_mul_overflow(shape_numel(shape), static_cast<std::int64_t>(dtype_size(dtype)), &bytes),
               "empty: a ", dtype_name(dtype), " tensor of shape ", shape_str(shape), " needs more bytes than memory can address");
  std::shared_ptr<Storage> storage;
  try {
    storage = std::make_shared<Storage>(static_cast<std::size_t>(bytes), Device::cpu);
  } catch (const std::bad_alloc&) {
    throw Error(detail::concat("out of memory: cannot allocate ", bytes, " bytes for a ", dtype_name(dtype),
                               " tensor of shape ", shape_str(shape)));
  }
  return Tensor(std::move(storage), shape, contiguous_strides(shape), 0, dtype);
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) { return full(shape, 0.0, dtype); }

Tensor Tensor::ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }

Tensor Tensor::full(const Shape& shape, double value, DType dtype) {
  Tensor t = empty(shape, dtype);
  t.fill_(value);
  return t;
}

Tensor Tensor::scalar(double value, DType dtype) { return full({}, value, dtype); }

Tensor Tensor::arange(std::int64_t n, DType dtype) {
  Tensor t = empty({n}, dtype);
  dispatch_all(dtype, [&]<class T>() {
    T* p = t.data<T>();
    for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(i);
  });
  return t;
}

// ---------------------------------------------------------------- properties
std::int64_t Tensor::size(std::int64_t axis) const { return shape_[normalize_axis(axis, dim(), "size")]; }

bool Tensor::is_contiguous() const {
  std::int64_t expected = 1;
  for (std::size_t i = shape_.size(); i-- > 0;) {
    if (shape_[i] != 1 && strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

void* Tensor::raw_data() {
  STRATA_CHECK(defined(), "raw_data: tensor is undefined");
  return static_cast<char*>(storage_->data()) + offset_ * dtype_size(dtype_);
}
const void* Tensor::raw_data() const {
  STRATA_CHECK(defined(), "raw_data: tensor is undefined");
  return static_cast<const char*>(storage_->data()) + offset_ * dtype_size(dtype_);
}

// ---------------------------------------------------------------- views
namespace {
Shape infer_shape(const Shape& requested, std::int64_t numel, const Shape& from) {
  Shape shape = requested;
  std::int64_t known = 1, infer_at = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      STRATA_CHECK(infer_at < 0, "reshape: only one dimension may be -1, got ", shape_str(requested));
      infer_at = static_cast<std::int64_t>(i);
    } else {
      STRATA_CHECK(shape[i] >= 0, "reshape: invalid dimension in ", shape_str(requested));
      known *= shape[i];
    }
  }
  if (infer_at >= 0) {
    STRATA_CHECK(known != 0 && numel % known == 0, "reshape: cannot reshape ", shape_str(from), " (", numel,
                 " elements) into ", shape_str(requested));
    shape[infer_at] = numel / known;
  }
  STRATA_CHECK(shape_numel(shape) == numel, "reshape: cannot reshape ", shape_str(from), " (", numel,
               " elements) into ", shape_str(requested), " (", shape_numel(shape), " elements)");
  return shape;
}
}  // namespace

Tensor Tensor::view(const Shape& shape) const {
  STRATA_CHECK(is_contiguous(), "view: tensor of shape ", shape_str(shape_),
               " is not contiguous; use reshape() to copy");
  Shape s = infer_shape(shape, numel(), shape_);
  return Tensor(storage_, s, contiguous_strides(s), offset_, dtype_);
}

Tensor Tensor::reshape(const Shape& shape) const { return is_contiguous() ? view(shape) : contiguous().view(shape); }

Tensor Tensor::permute(const std::vector<std::int64_t>& order) const {
  STRATA_CHECK(static_cast<std::int64_t>(order.size()) == dim(), "permute: order has ", order.size(),
               " axes but tensor has rank ", dim());
  Shape shape(order.size()), strides(order.size());
  std::vector<bool> seen(order.size(), false);
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto a = normalize_axis(order[i], dim(), "permute");
    STRATA_CHECK(!seen[a], "permute: axis ", a, " appears twice");
    seen[a] = true;
    shape[i] = shape_[a];
    strides[i] = strides_[a];
  }
  return Tensor(storage_, shape, strides, offset_, dtype_);
}

Tensor Tensor::transpose(std::int64_t a, std::int64_t b) const {
  std::vector<std::int64_t> order(dim());
  std::iota(order.begin(), order.end(), 0);
  std::swap(order[normalize_axis(a, dim(), "transpose")], order[normalize_axis(b, dim(), "transpose")]);
  return permute(order);
}

Tensor Tensor::slice(std::int64_t axis, std::int64_t start, std::int64_t stop, std::int64_t step) const {
  axis = normalize_axis(axis, dim(), "slice");
  STRATA_CHECK(step > 0, "slice: step must be positive, got ", step);
  const std::int64_t n = shape_[axis];
  if (start < 0) start += n;
  if (stop < 0) stop += n;
  start = std::clamp<std::int64_t>(start, 0, n);
  stop = std::clamp<std::int64_t>(stop, start, n);
  Shape shape = shape_, strides = strides_;
  shape[axis] = (stop - start + step - 1) / step;
  strides[axis] *= step;
  return Tensor(storage_, shape, strides, offset_ + start * strides_[axis], dtype_);
}

Tensor Tensor::select(std::int64_t axis, std::int64_t index) const {
  axis = normalize_axis(axis, dim(), "select");
  STRATA_CHECK(index >= -shape_[axis] && index < shape_[axis], "select: index ", index,
               " is out of range for axis ", axis, " of size ", shape_[axis]);
  if (index < 0) index += shape_[axis];
  Shape shape = shape_, strides = strides_;
  shape.erase(shape.begin() + axis);
  strides.erase(strides.begin() + axis);
  return Tensor(storage_, shape, strides, offset_ + index * strides_[axis], dtype_);
}

Tensor Tensor::expand(const Shape& shape) const {
  STRATA_CHECK(shape.size() >= shape_.size(), "expand: cannot expand ", shape_str(shape_), " to fewer axes ",
               shape_str(shape));
  const std::size_t lead = shape.size() - shape_.size();
  Shape strides(shape.size(), 0);
  for (std::size_t i = 0; i < shape_.size(); ++i) {
    const auto target = shape[lead + i];
    if (shape_[i] == target) {
      strides[lead + i] = strides_[i];
    } else {
      STRATA_CHECK(shape_[i] == 1, "expand: cannot expand ", shape_str(shape_), " to ", shape_str(shape));
    }
  }
  return Tensor(storage_, shape, strides, offset_, dtype_);
}

Tensor Tensor::squeeze(std::int64_t axis) const {
  axis = normalize_axis(axis, dim(), "squeeze");
  STRATA_CHECK(shape_[axis] == 1, "squeeze: axis ", axis, " has size ", shape_[axis], ", expected 1");
  Shape shape = shape_, strides = strides_;
  shape.erase(shape.begin() + axis);
  strides.erase(strides.begin() + axis);
  return Tensor(storage_, shape, strides, offset_, dtype_);
}

Tensor Tensor::unsqueeze(std::int64_t axis) const {
  axis = normalize_axis(axis, dim() + 1, "unsqueeze");
  Shape shape = shape_, strides = strides_;
  const std::int64_t stride = axis < dim() ? strides_[axis] * shape_[axis] : 1;
  shape.insert(shape.begin() + axis, 1);
  strides.insert(strides.begin() + axis, stride);
  return Tensor(storage_, shape, strides, offset_, dtype_);
}

Tensor Tensor::flatten(std::int64_t start_axis) const {
  if (dim() == 0) return reshape({1});
  start_axis = normalize_axis(start_axis, dim(), "flatten");
  Shape shape(shape_.begin(), shape_.begin() + start_axis);
  shape.push_back(-1);
  return reshape(shape);
}

// ---------------------------------------------------------------- copies
Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape_, dtype_);
  out.copy_(*this);
  return out;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return *this;
  Tensor out = empty(shape_, dtype);
  out.copy_(*this);
  return out;
}

void Tensor::copy_(const Tensor& src) {
  STRATA_CHECK(defined() && src.defined(), "copy_: tensor is undefined");
  const Tensor from = src.shape() == shape_ ? src : src.expand(shape_);
  dispatch_all(from.dtype_, [&]<class S>() {
    dispatch_all(dtype_, [&]<class D>() {
      detail::strided_copy(from.data<S>(), from.strides_, data<D>(), strides_, shape_);
    });
  });
}

void Tensor::fill_(double value) {
  dispatch_all(dtype_, [&]<class T>() {
    const T v = static_cast<T>(value);
    if (is_contiguous()) {
      std::fill_n(data<T>(), numel(), v);
    } else {
      Tensor one = scalar(value, dtype_);
      copy_(one);
    }
  });
}

// ---------------------------------------------------------------- element access
double Tensor::item() const {
  STRATA_CHECK(numel() == 1, "item: expected a tensor with one element but shape is ", shape_str(shape_));
  return at(std::vector<std::int64_t>(dim(), 0));
}

double Tensor::at(const std::vector<std::int64_t>& index) const {
  STRATA_CHECK(static_cast<std::int64_t>(index.size()) == dim(), "at: index has ", index.size(),
               " coordinates but tensor has rank ", dim());
  std::int64_t off = 0;
  for (std::size_t i = 0; i < index.size(); ++i) {
    STRATA_CHECK(index[i] >= 0 && index[i] < shape_[i], "at: index ", index[i], " out of range for axis ", i,
                 " of size ", shape_[i]);
    off += index[i] * strides_[i];
  }
  return dispatch_all(dtype_, [&]<class T>() { return static_cast<double>(data<T>()[off]); });
}

}  // namespace strata
