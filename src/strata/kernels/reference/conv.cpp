// Reference convolution of spatial rank 1 to 3 (cross-correlation, as every framework defines
// it): direct loops over output positions and the kernel window, channels first, grouped,
// strided, dilated, padded. Ranks below 3 run as rank 3 with leading spatial axes of size 1,
// so one loop nest defines every rank.
#include "strata/kernels/backend.h"
#include "strata/kernels/reference/spatial3.h"
#include "strata/tensor/math.h"

namespace strata::kernels::reference {
namespace {

// Everything the three loops need, read once from the shapes; spatial axes as (D, H, W).
struct ConvDims {
  std::int64_t N, C, O, G, CG, OG;  // CG/OG: channels per group
  Size3 in, kernel, out, stride, dilation, pad;
  std::int64_t in_size, kernel_size, out_size;  // elements of one spatial volume
};

ConvDims dims_of(const Shape& x, const Shape& w, const ConvNdGeometry& g) {
  const Shape y = g.output_shape(x, w);
  ConvDims d{x[0], x[1], w[0], g.groups, x[1] / g.groups, w[0] / g.groups, spatial3(x), spatial3(w), spatial3(y),
             as3(g.stride, 1), as3(g.dilation, 1), as3(g.pad_begin, 0), 0, 0, 0};
  d.in_size = d.in[0] * d.in[1] * d.in[2];
  d.kernel_size = d.kernel[0] * d.kernel[1] * d.kernel[2];
  d.out_size = d.out[0] * d.out[1] * d.out[2];
  return d;
}

// Calls visit(x_index, w_index, y_index) for every (output, kernel tap) pair that reads a
// real (non-padding) input element of sample n and output channel o.
template <class Visit>
void for_each_tap(const ConvDims& d, std::int64_t n, std::int64_t o, Visit&& visit) {
  const std::int64_t group = o / d.OG;
  for (std::int64_t od = 0; od < d.out[0]; ++od)
    for (std::int64_t oh = 0; oh < d.out[1]; ++oh)
      for (std::int64_t ow = 0; ow < d.out[2]; ++ow) {
        const std::int64_t y_index = (n * d.O + o) * d.out_size + (od * d.out[1] + oh) * d.out[2] + ow;
        for (std::int64_t c = 0; c < d.CG; ++c) {
          const std::int64_t x_plane = (n * d.C + group * d.CG + c) * d.in_size;
          const std::int64_t w_plane = (o * d.CG + c) * d.kernel_size;
          for (std::int64_t kd = 0; kd < d.kernel[0]; ++kd) {
            const std::int64_t id = od * d.stride[0] - d.pad[0] + kd * d.dilation[0];
            if (id < 0 || id >= d.in[0]) continue;
            for (std::int64_t kh = 0; kh < d.kernel[1]; ++kh) {
              const std::int64_t ih = oh * d.stride[1] - d.pad[1] + kh * d.dilation[1];
              if (ih < 0 || ih >= d.in[1]) continue;
              for (std::int64_t kw = 0; kw < d.kernel[2]; ++kw) {
                const std::int64_t iw = ow * d.stride[2] - d.pad[2] + kw * d.dilation[2];
                if (iw < 0 || iw >= d.in[2]) continue;
                visit(x_plane + (id * d.in[1] + ih) * d.in[2] + iw,
                      w_plane + (kd * d.kernel[1] + kh) * d.kernel[2] + kw, y_index);
              }
            }
          }
        }
      }
}

Shape output_shape_of(const ConvDims& d, std::size_t rank) {
  Shape y{d.N, d.O};
  for (std::size_t i = 3 - rank; i < 3; ++i) y.push_back(d.out[i]);
  return y;
}

}  // namespace

Tensor conv_forward(const Tensor& x_in, const Tensor& w_in, const Tensor& bias_in, const ConvNdGeometry& g) {
  const ConvDims d = dims_of(x_in.shape(), w_in.shape(), g);
  const Tensor x = x_in.contiguous(), w = w_in.contiguous();
  const bool has_bias = bias_in.defined();
  if (has_bias)
    STRATA_CHECK(bias_in.numel() == d.O, "convolution: bias has ", bias_in.numel(), " elements but there are ", d.O,
                 " output channels");
  Tensor y = Tensor::empty(output_shape_of(d, g.rank()), x.dtype());
  dispatch_floating(x.dtype(), "convolution", [&]<class T>() {
    const T* px = x.data<T>();
    const T* pw = w.data<T>();
    T* py = y.data<T>();
    const Tensor bias = has_bias ? bias_in.contiguous() : Tensor();
#pragma omp parallel for collapse(2)
    for (std::int64_t n = 0; n < d.N; ++n)
      for (std::int64_t o = 0; o < d.O; ++o) {
        T* out = py + (n * d.O + o) * d.out_size;
        const T b = has_bias ? bias.data<T>()[o] : T(0);
        for (std::int64_t i = 0; i < d.out_size; ++i) out[i] = b;
        for_each_tap(d, n, o, [&](std::int64_t xi, std::int64_t wi, std::int64_t yi) { py[yi] += px[xi] * pw[wi]; });
      }
  });
  return y;
}

Tensor conv_backward_data(const Tensor& gy_in, const Tensor& w_in, const Shape& x_shape, const ConvNdGeometry& g) {
  const ConvDims d = dims_of(x_shape, w_in.shape(), g);
  const Shape y_shape = output_shape_of(d, g.rank());
  STRATA_CHECK(gy_in.shape() == y_shape, "convolution backward: gradient has shape ", shape_str(gy_in.shape()),
               " but the output shape is ", shape_str(y_shape));
  const Tensor gy = gy_in.contiguous(), w = w_in.contiguous();
  Tensor gx = Tensor::zeros(x_shape, gy.dtype());
  dispatch_floating(gy.dtype(), "convolution", [&]<class T>() {
    const T* pgy = gy.data<T>();
    const T* pw = w.data<T>();
    T* pgx = gx.data<T>();
    // Each sample writes only its own slice of gx, so samples run in parallel.
#pragma omp parallel for
    for (std::int64_t n = 0; n < d.N; ++n)
      for (std::int64_t o = 0; o < d.O; ++o)
        for_each_tap(d, n, o, [&](std::int64_t xi, std::int64_t wi, std::int64_t yi) { pgx[xi] += pgy[yi] * pw[wi]; });
  });
  return gx;
}

std::pair<Tensor, Tensor> conv_backward_weights(const Tensor& x_in, const Tensor& gy_in, const Shape& w_shape,
                                                const ConvNdGeometry& g, bool with_bias) {
  const ConvDims d = dims_of(x_in.shape(), w_shape, g);
  const Tensor x = x_in.contiguous(), gy = gy_in.contiguous();
  Tensor gw = Tensor::zeros(w_shape, x.dtype());
  Tensor gb = with_bias ? Tensor::zeros({d.O}, x.dtype()) : Tensor();
  dispatch_floating(x.dtype(), "convolution", [&]<class T>() {
    const T* px = x.data<T>();
    const T* pgy = gy.data<T>();
    T* pgw = gw.data<T>();
    // Each output channel owns its slice of gw, so channels run in parallel.
#pragma omp parallel for
    for (std::int64_t o = 0; o < d.O; ++o)
      for (std::int64_t n = 0; n < d.N; ++n)
        for_each_tap(d, n, o, [&](std::int64_t xi, std::int64_t wi, std::int64_t yi) { pgw[wi] += pgy[yi] * px[xi]; });
    if (with_bias) {
      T* pgb = gb.data<T>();
      for (std::int64_t o = 0; o < d.O; ++o) {
        double acc = 0;
        for (std::int64_t n = 0; n < d.N; ++n)
          for (std::int64_t i = 0; i < d.out_size; ++i) acc += pgy[(n * d.O + o) * d.out_size + i];
        pgb[o] = static_cast<T>(acc);
      }
    }
  });
  return {gw, gb};
}

ConvGrads conv_backward(const Tensor& gy, const Tensor& x, const Tensor& w, const ConvNdGeometry& g, bool want_x,
                        bool want_w, bool want_bias) {
  ConvGrads grads;
  if (want_x) grads.grad_x = reference::conv_backward_data(gy, w, x.shape(), g);
  if (want_w || want_bias) {
    auto [gw, gb] = reference::conv_backward_weights(x, gy, w.shape(), g, want_bias);
    if (want_w) grads.grad_w = gw;
    grads.grad_bias = gb;
  }
  return grads;
}

// The readable definition: convolution, then the per-channel affine map, then the activation.
Tensor conv2d_inference(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dGeometry& g,
                        const ConvEpilogue& e) {
  Tensor y = reference::conv_forward(x, w, bias, g.nd());
  if (e.scale.defined()) {
    const Shape per_channel{1, y.size(1), 1, 1};
    y = y * e.scale.to(y.dtype()).reshape(per_channel) + e.shift.to(y.dtype()).reshape(per_channel);
  }
  return e.activation ? reference::activation_forward(*e.activation, y, 0.0) : y;
}

}  // namespace strata::kernels::reference
