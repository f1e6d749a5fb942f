#include "strata/tensor/math.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

namespace strata {
namespace {

constexpr std::int64_t kParallelThreshold = 1 << 15;  // below this, threads cost more than they save

template <class Op>
Tensor binary(const Tensor& a, const Tensor& b, const char* name, Op op) {
  STRATA_CHECK(a.defined() && b.defined(), name, ": operand is undefined");
  STRATA_CHECK(a.dtype() == b.dtype(), name, ": dtypes differ: ", dtype_name(a.dtype()), " and ",
               dtype_name(b.dtype()));
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  const Tensor ac = (a.shape() == shape ? a : a.expand(shape)).contiguous();
  const Tensor bc = (b.shape() == shape ? b : b.expand(shape)).contiguous();
  Tensor out = Tensor::empty(shape, a.dtype());
  dispatch_all(a.dtype(), [&]<class T>() {
    const T* x = ac.data<T>();
    const T* y = bc.data<T>();
    T* z = out.data<T>();
    const std::int64_t n = out.numel();
#pragma omp parallel for if (n > kParallelThreshold)
    for (std::int64_t i = 0; i < n; ++i) z[i] = op(x[i], y[i]);
  });
  return out;
}

template <class Op>
Tensor unary(const Tensor& a, const char* name, Op op) {
  const Tensor ac = a.contiguous();
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  dispatch_all(a.dtype(), [&]<class T>() {
    const T* x = ac.data<T>();
    T* z = out.data<T>();
    const std::int64_t n = out.numel();
#pragma omp parallel for if (n > kParallelThreshold)
    for (std::int64_t i = 0; i < n; ++i) z[i] = static_cast<T>(op(x[i]));
  });
  (void)name;
  return out;
}

// Moves the reduced axes to the end so every output element reduces one contiguous block.
struct ReductionLayout {
  Tensor data;           // contiguous, kept axes first
  Shape out_shape;       // with or without the reduced axes, per keepdim
  std::int64_t outer = 1;
  std::int64_t inner = 1;
};

ReductionLayout reduction_layout(const Tensor& a, const std::vector<std::int64_t>& axes, bool keepdim,
                                 const char* name) {
  std::vector<bool> reduced(a.dim(), axes.empty());
  for (auto ax : axes) reduced[normalize_axis(ax, a.dim(), name)] = true;
  std::vector<std::int64_t> order;
  ReductionLayout layout;
  for (std::int64_t i = 0; i < a.dim(); ++i) {
    if (reduced[i]) {
      layout.inner *= a.shape()[i];
      if (keepdim) layout.out_shape.push_back(1);
    } else {
      order.push_back(i);
      layout.outer *= a.shape()[i];
      layout.out_shape.push_back(a.shape()[i]);
    }
  }
  for (std::int64_t i = 0; i < a.dim(); ++i)
    if (reduced[i]) order.push_back(i);
  layout.data = a.permute(order).contiguous();
  return layout;
}

template <class Acc, class Combine, class Finish>
Tensor reduce(const Tensor& a, const std::vector<std::int64_t>& axes, bool keepdim, const char* name, Acc init,
              Combine combine, Finish finish) {
  const ReductionLayout l = reduction_layout(a, axes, keepdim, name);
  Tensor out = Tensor::empty(l.out_shape, a.dtype());
  dispatch_all(a.dtype(), [&]<class T>() {
    const T* x = l.data.data<T>();
    T* z = out.data<T>();
#pragma omp parallel for if (l.outer * l.inner > kParallelThreshold)
    for (std::int64_t o = 0; o < l.outer; ++o) {
      Acc acc = init;
      const T* row = x + o * l.inner;
      for (std::int64_t i = 0; i < l.inner; ++i) acc = combine(acc, static_cast<Acc>(row[i]));
      z[o] = static_cast<T>(finish(acc, l.inner));
    }
  });
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) { return binary(a, b, "add", [](auto x, auto y) { return x + y; }); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(a, b, "sub", [](auto x, auto y) { return x - y; }); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(a, b, "mul", [](auto x, auto y) { return x * y; }); }
Tensor div(const Tensor& a, const Tensor& b) { return binary(a, b, "div", [](auto x, auto y) { return x / y; }); }
Tensor maximum(const Tensor& a, const Tensor& b) {
  // NaN in either operand gives NaN, as torch.maximum and numpy.maximum do: a NaN clipped into
  // range would look valid (a NaN probability clipped to 1e-7 gave a finite loss).
  return binary(a, b, "maximum", [](auto x, auto y) { return x != x ? x : y != y ? y : x > y ? x : y; });
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return binary(a, b, "minimum", [](auto x, auto y) { return x != x ? x : y != y ? y : x < y ? x : y; });
}

Tensor add(const Tensor& a, double b) { return unary(a, "add", [b](auto x) { return x + b; }); }
Tensor mul(const Tensor& a, double b) { return unary(a, "mul", [b](auto x) { return x * b; }); }
Tensor pow(const Tensor& a, double e) { return unary(a, "pow", [e](auto x) { return std::pow(double(x), e); }); }
Tensor neg(const Tensor& a) { return unary(a, "neg", [](auto x) { return -x; }); }
Tensor exp(const Tensor& a) { return unary(a, "exp", [](auto x) { return std::exp(x); }); }
Tensor log(const Tensor& a) { return unary(a, "log", [](auto x) { return std::log(x); }); }
Tensor sqrt(const Tensor& a) { return unary(a, "sqrt", [](auto x) { return std::sqrt(x); }); }
Tensor abs(const Tensor& a) { return unary(a, "abs", [](auto x) { return x < 0 ? -x : x; }); }
Tensor sign(const Tensor& a) { return unary(a, "sign", [](auto x) { return (x > 0) - (x < 0); }); }
Tensor square(const Tensor& a) { return unary(a, "square", [](auto x) { return x * x; }); }

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double b) { return add(a, b); }
Tensor operator-(const Tensor& a, double b) { return add(a, -b); }
Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
Tensor operator/(const Tensor& a, double b) { return mul(a, 1.0 / b); }
Tensor operator-(const Tensor& a) { return neg(a); }

Tensor sum(const Tensor& a, const std::vector<std::int64_t>& axes, bool keepdim) {
  return reduce(a, axes, keepdim, "sum", 0.0, [](double acc, double x) { return acc + x; },
                [](double acc, std::int64_t) { return acc; });
}

Tensor mean(const Tensor& a, const std::vector<std::int64_t>& axes, bool keepdim) {
  STRATA_CHECK(is_floating(a.dtype()), "mean: expected a floating-point tensor but got ", dtype_name(a.dtype()));
  return reduce(a, axes, keepdim, "mean", 0.0, [](double acc, double x) { return acc + x; },
                [](double acc, std::int64_t n) { return n ? acc / n : std::numeric_limits<double>::quiet_NaN(); });
}

Tensor max(const Tensor& a, const std::vector<std::int64_t>& axes, bool keepdim) {
  STRATA_CHECK(a.numel() > 0, "max: cannot reduce an empty tensor of shape ", shape_str(a.shape()));
  return reduce(a, axes, keepdim, "max", -std::numeric_limits<double>::infinity(),
                [](double acc, double x) { return (x > acc || std::isnan(x)) ? x : acc; },
                [](double acc, std::int64_t) { return acc; });
}

Tensor min(const Tensor& a, const std::vector<std::int64_t>& axes, bool keepdim) {
  STRATA_CHECK(a.numel() > 0, "min: cannot reduce an empty tensor of shape ", shape_str(a.shape()));
  return reduce(a, axes, keepdim, "min", std::numeric_limits<double>::infinity(),
                [](double acc, double x) { return (x < acc || std::isnan(x)) ? x : acc; },
                [](double acc, std::int64_t) { return acc; });
}

Tensor argmax(const Tensor& a, std::int64_t axis, bool keepdim) {
  axis = normalize_axis(axis, a.dim(), "argmax");
  const ReductionLayout l = reduction_layout(a, {axis}, keepdim, "argmax");
  STRATA_CHECK(l.inner > 0, "argmax: axis ", axis, " is empty in shape ", shape_str(a.shape()));
  Tensor out = Tensor::empty(l.out_shape, DType::i64);
  dispatch_all(a.dtype(), [&]<class T>() {
    const T* x = l.data.data<T>();
    std::int64_t* z = out.data<std::int64_t>();
    for (std::int64_t o = 0; o < l.outer; ++o) {
      const T* row = x + o * l.inner;
      z[o] = std::max_element(row, row + l.inner) - row;
    }
  });
  return out;
}

Tensor gather_rows(const Tensor& t, const std::vector<std::int64_t>& rows) {
  STRATA_CHECK(t.dim() >= 1, "gather_rows: expected a tensor with a batch axis but got a scalar");
  const Tensor src = t.contiguous();
  Shape shape = src.shape();
  shape[0] = static_cast<std::int64_t>(rows.size());
  Tensor out = Tensor::empty(shape, src.dtype());
  const std::size_t row_bytes = static_cast<std::size_t>(src.numel() / std::max<std::int64_t>(src.size(0), 1)) *
                                dtype_size(src.dtype());
  const auto* from = static_cast<const char*>(src.raw_data());
  auto* to = static_cast<char*>(out.raw_data());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    STRATA_CHECK(rows[i] >= 0 && rows[i] < src.size(0), "gather_rows: row ", rows[i], " is outside [0, ", src.size(0), ")");
    std::memcpy(to + i * row_bytes, from + rows[i] * row_bytes, row_bytes);
  }
  return out;
}

Tensor sum_to(const Tensor& a, const Shape& shape) {
  if (a.shape() == shape) return a;
  STRATA_CHECK(a.dim() >= static_cast<std::int64_t>(shape.size()), "sum_to: cannot reduce ", shape_str(a.shape()),
               " to ", shape_str(shape));
  const std::int64_t lead = a.dim() - static_cast<std::int64_t>(shape.size());
  std::vector<std::int64_t> axes;
  for (std::int64_t i = 0; i < a.dim(); ++i)
    if (i < lead || (shape[i - lead] == 1 && a.shape()[i] != 1)) axes.push_back(i);
  Tensor r = axes.empty() ? a : sum(a, axes, true);
  return r.reshape(shape);
}

bool all_finite(const Tensor& a) {
  if (a.dtype() == DType::i64) return true;
  const Tensor c = a.contiguous();
  return dispatch_floating(c.dtype(), "all_finite", [&]<class T>() {
    const T* p = c.data<T>();
    bool finite = true;
    for (std::int64_t i = 0; i < c.numel(); ++i) finite &= std::isfinite(p[i]);
    return finite;
  });
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  STRATA_CHECK(a.shape() == b.shape(), "max_abs_diff: shapes differ: ", shape_str(a.shape()), " vs ",
               shape_str(b.shape()));
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double m = 0;
  for (std::size_t i = 0; i < x.size(); ++i) m = std::max(m, std::fabs(x[i] - y[i]));
  return m;
}

double max_rel_diff(const Tensor& a, const Tensor& b, double floor) {
  STRATA_CHECK(a.shape() == b.shape(), "max_rel_diff: shapes differ: ", shape_str(a.shape()), " vs ",
               shape_str(b.shape()));
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double m = 0;
  for (std::size_t i = 0; i < x.size(); ++i) m = std::max(m, std::fabs(x[i] - y[i]) / std::max(std::fabs(y[i]), floor));
  return m;
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  if (a.shape() != b.shape()) return false;
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!(std::fabs(x[i] - y[i]) <= atol + rtol * std::fabs(y[i]))) return false;
  return true;
}

Tensor concat(const std::vector<Tensor>& parts, std::int64_t axis) {
  STRATA_CHECK(!parts.empty(), "concat: no tensors given");
  const Tensor& first = parts.front();
  axis = normalize_axis(axis, first.dim(), "concat");
  Shape out_shape = first.shape();
  out_shape[axis] = 0;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const Tensor& v = parts[k];
    STRATA_CHECK(v.dim() == first.dim() && v.dtype() == first.dtype(), "concat: tensor ", k, " is ", shape_str(v.shape()),
                 " ", dtype_name(v.dtype()), " but the first is ", shape_str(first.shape()), " ", dtype_name(first.dtype()));
    for (std::int64_t i = 0; i < v.dim(); ++i)
      STRATA_CHECK(i == axis || v.shape()[i] == first.shape()[i], "concat: shapes ", shape_str(first.shape()), " and ",
                   shape_str(v.shape()), " differ outside axis ", axis);
    out_shape[axis] += v.shape()[axis];
  }
  Tensor out = Tensor::empty(out_shape, first.dtype());
  std::int64_t offset = 0;
  for (const auto& p : parts) {
    out.slice(axis, offset, offset + p.size(axis)).copy_(p);
    offset += p.size(axis);
  }
  return out;
}

Tensor flip(const Tensor& t, std::int64_t axis) {
  axis = normalize_axis(axis, t.dim(), "flip");
  Tensor out = Tensor::empty(t.shape(), t.dtype());
  const std::int64_t n = t.size(axis);
  for (std::int64_t i = 0; i < n; ++i) out.select(axis, i).copy_(t.select(axis, n - 1 - i));
  return out;
}

}  // namespace strata
