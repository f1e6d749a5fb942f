// Reference 2-D convolution (cross-correlation, as every framework defines it): direct loops
// over output positions and the kernel window, NCHW, grouped, strided, dilated, padded.
#include "strata/kernels/backend.h"
#include "strata/tensor/math.h"

namespace strata::kernels::reference {
namespace {

// Everything the three loops need, read once from the shapes.
struct ConvDims {
  std::int64_t N, C, H, W, O, KH, KW, OH, OW, G, CG, OG;  // CG/OG: channels per group
};

ConvDims dims_of(const Shape& x, const Shape& w, const Conv2dGeometry& g) {
  const Shape y = g.output_shape(x, w);
  return {x[0], x[1], x[2], x[3], w[0], w[2], w[3], y[2], y[3], g.groups, x[1] / g.groups, w[0] / g.groups};
}

// Calls visit(x_index, w_index, y_index) for every (output, kernel tap) pair that reads a
// real (non-padding) input element of sample n and output channel o.
template <class Visit>
void for_each_tap(const ConvDims& d, const Conv2dGeometry& g, std::int64_t n, std::int64_t o, Visit&& visit) {
  const std::int64_t group = o / d.OG;
  for (std::int64_t oh = 0; oh < d.OH; ++oh)
    for (std::int64_t ow = 0; ow < d.OW; ++ow) {
      const std::int64_t y_index = ((n * d.O + o) * d.OH + oh) * d.OW + ow;
      for (std::int64_t c = 0; c < d.CG; ++c)
        for (std::int64_t kh = 0; kh < d.KH; ++kh) {
          const std::int64_t ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
          if (ih < 0 || ih >= d.H) continue;
          for (std::int64_t kw = 0; kw < d.KW; ++kw) {
            const std::int64_t iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
            if (iw < 0 || iw >= d.W) continue;
            const std::int64_t x_index = ((n * d.C + group * d.CG + c) * d.H + ih) * d.W + iw;
            const std::int64_t w_index = ((o * d.CG + c) * d.KH + kh) * d.KW + kw;
            visit(x_index, w_index, y_index);
          }
        }
    }
}

}  // namespace

Tensor conv2d_forward(const Tensor& x_in, const Tensor& w_in, const Tensor& bias_in, const Conv2dGeometry& g) {
  const ConvDims d = dims_of(x_in.shape(), w_in.shape(), g);
  const Tensor x = x_in.contiguous(), w = w_in.contiguous();
  const bool has_bias = bias_in.defined();
  if (has_bias)
    STRATA_CHECK(bias_in.numel() == d.O, "conv2d: bias has ", bias_in.numel(), " elements but there are ", d.O,
                 " output channels");
  Tensor y = Tensor::empty({d.N, d.O, d.OH, d.OW}, x.dtype());
  dispatch_floating(x.dtype(), "conv2d", [&]<class T>() {
    const T* px = x.data<T>();
    const T* pw = w.data<T>();
    T* py = y.data<T>();
    const Tensor bias = has_bias ? bias_in.contiguous() : Tensor();
#pragma omp parallel for collapse(2)
    for (std::int64_t n = 0; n < d.N; ++n)
      for (std::int64_t o = 0; o < d.O; ++o) {
        T* out = py + (n * d.O + o) * d.OH * d.OW;
        const T b = has_bias ? bias.data<T>()[o] : T(0);
        for (std::int64_t i = 0; i < d.OH * d.OW; ++i) out[i] = b;
        for_each_tap(d, g, n, o, [&](std::int64_t xi, std::int64_t wi, std::int64_t yi) { py[yi] += px[xi] * pw[wi]; });
      }
  });
  return y;
}

Tensor conv2d_backward_data(const Tensor& gy_in, const Tensor& w_in, const Shape& x_shape, const Conv2dGeometry& g) {
  const ConvDims d = dims_of(x_shape, w_in.shape(), g);
  STRATA_CHECK(gy_in.shape() == Shape({d.N, d.O, d.OH, d.OW}), "conv2d backward: gradient has shape ",
               shape_str(gy_in.shape()), " but the output shape is ", shape_str({d.N, d.O, d.OH, d.OW}));
  const Tensor gy = gy_in.contiguous(), w = w_in.contiguous();
  Tensor gx = Tensor::zeros(x_shape, gy.dtype());
  dispatch_floating(gy.dtype(), "conv2d", [&]<class T>() {
    const T* pgy = gy.data<T>();
    const T* pw = w.data<T>();
    T* pgx = gx.data<T>();
    // Each sample writes only its own slice of gx, so samples run in parallel.
#pragma omp parallel for
    for (std::int64_t n = 0; n < d.N; ++n)
      for (std::int64_t o = 0; o < d.O; ++o)
        for_each_tap(d, g, n, o, [&](std::int64_t xi, std::int64_t wi, std::int64_t yi) { pgx[xi] += pgy[yi] * pw[wi]; });
  });
  return gx;
}

std::pair<Tensor, Tensor> conv2d_backward_weights(const Tensor& x_in, const Tensor& gy_in, const Shape& w_shape,
                                                  const Conv2dGeometry& g, bool with_bias) {
  const ConvDims d = dims_of(x_in.shape(), w_shape, g);
  const Tensor x = x_in.contiguous(), gy = gy_in.contiguous();
  Tensor gw = Tensor::zeros(w_shape, x.dtype());
  Tensor gb = with_bias ? Tensor::zeros({d.O}, x.dtype()) : Tensor();
  dispatch_floating(x.dtype(), "conv2d", [&]<class T>() {
    const T* px = x.data<T>();
    const T* pgy = gy.data<T>();
    T* pgw = gw.data<T>();
    // Each output channel owns its slice of gw, so channels run in parallel.
#pragma omp parallel for
    for (std::int64_t o = 0; o < d.O; ++o)
      for (std::int64_t n = 0; n < d.N; ++n)
        for_each_tap(d, g, n, o, [&](std::int64_t xi, std::int64_t wi, std::int64_t yi) { pgw[wi] += pgy[yi] * px[xi]; });
    if (with_bias) {
      T* pgb = gb.data<T>();
      for (std::int64_t o = 0; o < d.O; ++o) {
        double acc = 0;
        for (std::int64_t n = 0; n < d.N; ++n)
          for (std::int64_t i = 0; i < d.OH * d.OW; ++i) acc += pgy[(n * d.O + o) * d.OH * d.OW + i];
        pgb[o] = static_cast<T>(acc);
      }
    }
  });
  return {gw, gb};
}

Conv2dGrads conv2d_backward(const Tensor& gy, const Tensor& x, const Tensor& w, const Conv2dGeometry& g, bool want_x,
                            bool want_w, bool want_bias) {
  Conv2dGrads grads;
  if (want_x) grads.grad_x = reference::conv2d_backward_data(gy, w, x.shape(), g);
  if (want_w || want_bias) {
    auto [gw, gb] = reference::conv2d_backward_weights(x, gy, w.shape(), g, want_bias);
    if (want_w) grads.grad_w = gw;
    grads.grad_bias = gb;
  }
  return grads;
}

// The readable definition: convolution, then the per-channel affine map, then the activation.
Tensor conv2d_inference(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dGeometry& g,
                        const ConvEpilogue& e) {
  Tensor y = reference::conv2d_forward(x, w, bias, g);
  if (e.scale.defined()) {
    const Shape per_channel{1, y.size(1), 1, 1};
    y = y * e.scale.to(y.dtype()).reshape(per_channel) + e.shift.to(y.dtype()).reshape(per_channel);
  }
  return e.activation ? reference::activation_forward(*e.activation, y, 0.0) : y;
}

}  // namespace strata::kernels::reference
