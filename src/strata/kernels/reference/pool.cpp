// Reference max and average pooling of spatial rank 1 to 3 with PyTorch's window rules: a
// window's taps are clipped to the padded input; max ignores padding; average divides by the
// taps inside the input (or, with count_include_pad, inside the user's padding too, never the
// extra positions that ceil mode adds). Ranks below 3 run as rank 3 with leading spatial axes
// of size 1.
#include <limits>

#include "strata/kernels/backend.h"
#include "strata/kernels/reference/spatial3.h"

namespace strata::kernels::reference {
namespace {

struct PoolDims {
  std::int64_t planes;  // N*C
  Size3 in, out, kernel, stride, dilation, pad_begin, pad_end;
  std::int64_t in_size, out_size;
};

PoolDims dims_of(const Shape& x, const PoolNdGeometry& g) {
  g.check(x);
  PoolDims d{x[0] * x[1], spatial3(x), as3(g.out, 1), as3(g.kernel, 1), as3(g.stride, 1),
             as3(g.dilation, 1), as3(g.pad_begin, 0), as3(g.pad_end, 0), 0, 0};
  d.in_size = d.in[0] * d.in[1] * d.in[2];
  d.out_size = d.out[0] * d.out[1] * d.out[2];
  return d;
}

// The taps of one window along one axis: the input positions inside the input, and how many
// taps fall inside the input plus the user's padding.
struct AxisTaps {
  std::vector<std::int64_t> positions;
  std::int64_t padded_count = 0;
};
AxisTaps taps_of(const PoolDims& d, int axis, std::int64_t o) {
  AxisTaps t;
  for (std::int64_t j = 0; j < d.kernel[axis]; ++j) {
    const std::int64_t p = o * d.stride[axis] - d.pad_begin[axis] + j * d.dilation[axis];
    if (p >= d.in[axis] + d.pad_end[axis]) break;
    ++t.padded_count;
    if (p >= 0 && p < d.in[axis]) t.positions.push_back(p);
  }
  return t;
}

// Calls visit(out_index, window_offsets, divisor) for every output position of one plane;
// window_offsets are the in-plane indices of the window's real input taps.
template <class Visit>
void for_each_window(const PoolDims& d, bool count_include_pad, Visit&& visit) {
  std::vector<std::int64_t> offsets;
  for (std::int64_t od = 0; od < d.out[0]; ++od) {
    const AxisTaps td = taps_of(d, 0, od);
    for (std::int64_t oh = 0; oh < d.out[1]; ++oh) {
      const AxisTaps th = taps_of(d, 1, oh);
      for (std::int64_t ow = 0; ow < d.out[2]; ++ow) {
        const AxisTaps tw = taps_of(d, 2, ow);
        offsets.clear();
        for (std::int64_t pd : td.positions)
          for (std::int64_t ph : th.positions)
            for (std::int64_t pw : tw.positions) offsets.push_back((pd * d.in[1] + ph) * d.in[2] + pw);
        const std::int64_t divisor = count_include_pad ? td.padded_count * th.padded_count * tw.padded_count
                                                       : static_cast<std::int64_t>(offsets.size());
        visit((od * d.out[1] + oh) * d.out[2] + ow, offsets, divisor);
      }
    }
  }
}

// The offset of the first largest element among `offsets`, or -1 if there are none.
template <class T>
std::int64_t argmax_in(const T* plane, const std::vector<std::int64_t>& offsets) {
  std::int64_t best = -1;
  T best_value = -std::numeric_limits<T>::infinity();
  for (std::int64_t at : offsets)
    if (best < 0 || plane[at] > best_value) {
      best = at;
      best_value = plane[at];
    }
  return best;
}

}  // namespace

PoolForward pool_forward(const Tensor& x_in, const PoolNdGeometry& g) {
  const PoolDims d = dims_of(x_in.shape(), g);
  const Tensor x = x_in.contiguous();
  Shape y_shape{x.size(0), x.size(1)};
  y_shape.insert(y_shape.end(), g.out.begin(), g.out.end());
  Tensor y = Tensor::empty(y_shape, x.dtype());
  dispatch_floating(x.dtype(), "pooling", [&]<class T>() {
    const T* px = x.data<T>();
    T* py = y.data<T>();
#pragma omp parallel for
    for (std::int64_t nc = 0; nc < d.planes; ++nc) {
      const T* plane = px + nc * d.in_size;
      T* out = py + nc * d.out_size;
      for_each_window(d, g.count_include_pad, [&](std::int64_t oi, const std::vector<std::int64_t>& offsets,
                                                   std::int64_t divisor) {
        if (g.kind == PoolKind::max) {
          const std::int64_t at = argmax_in(plane, offsets);
          out[oi] = at < 0 ? T(0) : plane[at];
        } else {
          double acc = 0;
          for (std::int64_t at : offsets) acc += plane[at];
          out[oi] = divisor > 0 ? static_cast<T>(acc / divisor) : T(0);
        }
      });
    }
  });
  return {y, nullptr};
}

Tensor pool_backward(const Tensor& gy_in, const Tensor& x_in, const PoolForward&, const PoolNdGeometry& g) {
  const PoolDims d = dims_of(x_in.shape(), g);
  const Tensor x = x_in.contiguous(), gy = gy_in.contiguous();
  STRATA_CHECK(gy.numel() == d.planes * d.out_size, "pooling backward: gradient has shape ", shape_str(gy.shape()),
               " but the output has ", d.planes * d.out_size, " elements");
  Tensor gx = Tensor::zeros(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), "pooling", [&]<class T>() {
    const T* px = x.data<T>();
    const T* pgy = gy.data<T>();
    T* pgx = gx.data<T>();
#pragma omp parallel for
    for (std::int64_t nc = 0; nc < d.planes; ++nc) {
      const T* plane = px + nc * d.in_size;
      T* gplane = pgx + nc * d.in_size;
      const T* grad = pgy + nc * d.out_size;
      for_each_window(d, g.count_include_pad, [&](std::int64_t oi, const std::vector<std::int64_t>& offsets,
                                                   std::int64_t divisor) {
        if (g.kind == PoolKind::max) {
          const std::int64_t at = argmax_in(plane, offsets);
          if (at >= 0) gplane[at] += grad[oi];
        } else if (divisor > 0) {
          for (std::int64_t at : offsets) gplane[at] += grad[oi] / T(divisor);
        }
      });
    }
  });
  return gx;
}

}  // namespace strata::kernels::reference
