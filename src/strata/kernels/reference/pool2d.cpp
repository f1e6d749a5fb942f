// Reference max and average pooling with PyTorch's window rules: a window is clipped to the
// padded input; max ignores padding; average divides by the clipped window (including the
// user's padding when count_include_pad, never the extra rows that ceil mode adds).
#include <algorithm>
#include <limits>

#include "strata/kernels/backend.h"

namespace strata::kernels::reference {
namespace {

struct Window {
  std::int64_t h0, h1, w0, w1;  // the real input rows/cols covered, [h0,h1) x [w0,w1)
  std::int64_t divisor;         // for average pooling
};

Window window_of(std::int64_t oh, std::int64_t ow, std::int64_t H, std::int64_t W, const Pool2dGeometry& g) {
  std::int64_t h0 = oh * g.stride_h - g.pad_top, w0 = ow * g.stride_w - g.pad_left;
  std::int64_t h1 = std::min(h0 + g.kernel_h, H + g.pad_bottom);
  std::int64_t w1 = std::min(w0 + g.kernel_w, W + g.pad_right);
  const std::int64_t padded_size = (h1 - h0) * (w1 - w0);
  h0 = std::max<std::int64_t>(h0, 0);
  w0 = std::max<std::int64_t>(w0, 0);
  h1 = std::min(h1, H);
  w1 = std::min(w1, W);
  const std::int64_t real_size = std::max<std::int64_t>(h1 - h0, 0) * std::max<std::int64_t>(w1 - w0, 0);
  return {h0, h1, w0, w1, g.count_include_pad ? padded_size : real_size};
}

// Index (within one H*W plane) of the first largest element of the window, or -1 if empty.
template <class T>
std::int64_t argmax_in(const T* plane, std::int64_t W, const Window& win) {
  std::int64_t best = -1;
  T best_value = -std::numeric_limits<T>::infinity();
  for (std::int64_t h = win.h0; h < win.h1; ++h)
    for (std::int64_t w = win.w0; w < win.w1; ++w)
      if (best < 0 || plane[h * W + w] > best_value) {
        best = h * W + w;
        best_value = plane[best];
      }
  return best;
}

}  // namespace

PoolForward pool2d_forward(const Tensor& x_in, const Pool2dGeometry& g) {
  checks::check_pool(x_in, g);
  const Tensor x = x_in.contiguous();
  const std::int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  Tensor y = Tensor::empty({N, C, g.out_h, g.out_w}, x.dtype());
  dispatch_floating(x.dtype(), "pool2d", [&]<class T>() {
    const T* px = x.data<T>();
    T* py = y.data<T>();
#pragma omp parallel for
    for (std::int64_t nc = 0; nc < N * C; ++nc) {
      const T* plane = px + nc * H * W;
      for (std::int64_t oh = 0; oh < g.out_h; ++oh)
        for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
          const Window win = window_of(oh, ow, H, W, g);
          T& out = py[(nc * g.out_h + oh) * g.out_w + ow];
          if (g.kind == PoolKind::max) {
            const std::int64_t at = argmax_in(plane, W, win);
            out = at < 0 ? T(0) : plane[at];
          } else {
            double acc = 0;
            for (std::int64_t h = win.h0; h < win.h1; ++h)
              for (std::int64_t w = win.w0; w < win.w1; ++w) acc += plane[h * W + w];
            out = win.divisor > 0 ? static_cast<T>(acc / win.divisor) : T(0);
          }
        }
    }
  });
  return {y, nullptr};
}

Tensor pool2d_backward(const Tensor& gy_in, const Tensor& x_in, const PoolForward&, const Pool2dGeometry& g) {
  checks::check_pool(x_in, g);
  const Tensor x = x_in.contiguous(), gy = gy_in.contiguous();
  const std::int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  Tensor gx = Tensor::zeros(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), "pool2d", [&]<class T>() {
    const T* px = x.data<T>();
    const T* pgy = gy.data<T>();
    T* pgx = gx.data<T>();
#pragma omp parallel for
    for (std::int64_t nc = 0; nc < N * C; ++nc) {
      const T* plane = px + nc * H * W;
      T* gplane = pgx + nc * H * W;
      for (std::int64_t oh = 0; oh < g.out_h; ++oh)
        for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
          const Window win = window_of(oh, ow, H, W, g);
          const T grad = pgy[(nc * g.out_h + oh) * g.out_w + ow];
          if (g.kind == PoolKind::max) {
            const std::int64_t at = argmax_in(plane, W, win);
            if (at >= 0) gplane[at] += grad;
          } else if (win.divisor > 0) {
            for (std::int64_t h = win.h0; h < win.h1; ++h)
              for (std::int64_t w = win.w0; w < win.w1; ++w) gplane[h * W + w] += grad / T(win.divisor);
          }
        }
    }
  });
  return gx;
}

}  // namespace strata::kernels::reference
