// Compute kernels behind the differentiable ops: matmul, convolution, pooling, batch norm,
// activations and softmax, each forward and backward.
//
// Two implementations of every kernel exist with identical signatures:
//   kernels::reference  plain, readable loops; templates over f32 and f64 (the oracle)
//   kernels::cpu        oneDNN primitives (f32), cached by shape, threaded with OpenMP
// The functions in this header dispatch: f32 goes to the backend chosen by
// set_backend() (oneDNN by default), f64 always to the reference loops.
//
// Inputs may be any layout; kernels make them contiguous. Images are NCHW (volumes NCDHW,
// sequences NCL), convolution weights [out_channels, in_channels/groups, *kernel].
#pragma once

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "strata/tensor/random.h"
#include "strata/tensor/tensor.h"

namespace strata::kernels {

enum class Backend { reference, onednn };
void set_backend(Backend backend);
Backend backend();

// ---------------------------------------------------------------- matmul
// a [M,K] x b [K,N] -> [M,N], or batched a [B,M,K] x b [B,K,N] -> [B,M,N].
// Transposed views (a.t()) are read in place, without a copy.
Tensor matmul(const Tensor& a, const Tensor& b);

// ---------------------------------------------------------------- convolution
// Convolution of any spatial rank from 1 to 3: x [N,C,*spatial], w [O,C/groups,*kernel],
// y [N,O,*out]. Each vector holds one entry per spatial axis.
struct ConvNdGeometry {
  std::vector<std::int64_t> stride, dilation, pad_begin, pad_end;
  std::int64_t groups = 1;
  std::size_t rank() const { return stride.size(); }
  // Output shape for input x and weight w; validates both against the geometry.
  Shape output_shape(const Shape& x, const Shape& w) const;
};

Tensor conv_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvNdGeometry& g);
Tensor conv_backward_data(const Tensor& grad_y, const Tensor& w, const Shape& x_shape, const ConvNdGeometry& g);
// Returns {grad_w, grad_bias}; grad_bias is undefined when with_bias is false.
std::pair<Tensor, Tensor> conv_backward_weights(const Tensor& x, const Tensor& grad_y, const Shape& w_shape,
                                                const ConvNdGeometry& g, bool with_bias);
// Both backward passes at once (what training needs): the fast backend prepares grad_y for
// oneDNN once instead of twice. Undefined results for the parts not asked for.
struct ConvGrads {
  Tensor grad_x, grad_w, grad_bias;
};
ConvGrads conv_backward(const Tensor& grad_y, const Tensor& x, const Tensor& w, const ConvNdGeometry& g, bool want_x,
                        bool want_w, bool want_bias);

// The 2-D case with named fields, as images and the fused inference path use it.
struct Conv2dGeometry {
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t groups = 1;
  ConvNdGeometry nd() const;
  // Output shape for input x [N,C,H,W] and weight [O,C/groups,KH,KW]; validates both.
  Shape output_shape(const Shape& x, const Shape& w) const;
};

// The rank-generic kernels above, for 4-D tensors.
Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dGeometry& g);
Tensor conv2d_backward_data(const Tensor& grad_y, const Tensor& w, const Shape& x_shape, const Conv2dGeometry& g);
std::pair<Tensor, Tensor> conv2d_backward_weights(const Tensor& x, const Tensor& grad_y, const Shape& w_shape,
                                                  const Conv2dGeometry& g, bool with_bias);
using Conv2dGrads = ConvGrads;
Conv2dGrads conv2d_backward(const Tensor& grad_y, const Tensor& x, const Tensor& w, const Conv2dGeometry& g,
                            bool want_x, bool want_w, bool want_bias);

// ---------------------------------------------------------------- pooling
enum class PoolKind { max, avg };

// Pooling of any spatial rank from 1 to 3 over x [N,C,*spatial]. Window i along an axis covers
// input positions i*stride - pad_begin + j*dilation for j in [0, kernel). `out` (the output's
// spatial sizes) is given explicitly so ceil mode is the caller's decision. pad_end is the
// user's padding: positions beyond it (reached only in ceil mode) are never counted.
struct PoolNdGeometry {
  PoolKind kind = PoolKind::max;
  std::vector<std::int64_t> kernel, stride, dilation, pad_begin, pad_end, out;
  bool count_include_pad = false;  // average pooling: divide by the window including padding
  std::size_t rank() const { return kernel.size(); }
  // Validates the geometry against x's shape.
  void check(const Shape& x) const;
};

struct PoolForward {
  Tensor output;
  std::shared_ptr<void> workspace;  // backend-private state the backward pass needs
};
PoolForward pool_forward(const Tensor& x, const PoolNdGeometry& g);
Tensor pool_backward(const Tensor& grad_y, const Tensor& x, const PoolForward& forward, const PoolNdGeometry& g);

// The 2-D case with named fields (no dilation).
struct Pool2dGeometry {
  PoolKind kind = PoolKind::max;
  std::int64_t kernel_h = 2, kernel_w = 2;
  std::int64_t stride_h = 2, stride_w = 2;
  std::int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  std::int64_t out_h = 0, out_w = 0;
  bool count_include_pad = false;  // average pooling: divide by the window including padding
  PoolNdGeometry nd() const;
};
PoolForward pool2d_forward(const Tensor& x, const Pool2dGeometry& g);
Tensor pool2d_backward(const Tensor& grad_y, const Tensor& x, const PoolForward& forward, const Pool2dGeometry& g);

// ---------------------------------------------------------------- batch normalization
// x is [N,C,...]; statistics are per channel (axis 1). var is the biased batch variance.
struct BatchNormForward {
  Tensor output, mean, var;
};
BatchNormForward batch_norm_training(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps);
Tensor batch_norm_inference(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& mean,
                            const Tensor& var, double eps);
struct BatchNormGrads {
  Tensor grad_x, grad_gamma, grad_beta;
};
// batch_stats: mean/var came from this batch (training) rather than fixed running statistics.
BatchNormGrads batch_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& gamma, const Tensor& mean,
                                   const Tensor& var, double eps, bool batch_stats);

// ---------------------------------------------------------------- layer normalization
// x viewed as rows of `row_size` elements (its trailing axes); each row is normalized with its
// own mean and biased variance: y = (x - mean) * rstd * gamma + beta, rstd = 1/sqrt(var + eps).
// gamma and beta are [row_size], or undefined for no scale / no shift. mean and rstd have one
// value per row. Both backends run the same row loop (f32 and f64).
struct LayerNormForward {
  Tensor output, mean, rstd;
};
LayerNormForward layer_norm_forward(const Tensor& x, std::int64_t row_size, const Tensor& gamma, const Tensor& beta,
                                    double eps);
struct LayerNormGrads {
  Tensor grad_x, grad_gamma, grad_beta;  // grad_gamma/grad_beta undefined when gamma/beta were
};
LayerNormGrads layer_norm_backward(const Tensor& grad_y, const Tensor& x, std::int64_t row_size, const Tensor& gamma,
                                   const Tensor& beta, const LayerNormForward& forward);

// ---------------------------------------------------------------- attention (attention.cpp)
// The softmax of scaled dot-product attention, fused: in place over scores [B, T, S] (the
// product Q K^T), each row r = (b, t) becomes softmax(scale * row) over the keys j it may see:
// mask[b / (B/M), t or 0, j] != 0 (mask [M, T|1, S], any floating dtype; undefined: all) and,
// when causal, j <= t. A row that may see no key gets zero weights. With dropout > 0 the
// returned keep mask (drawn from `generator`, or the default one) drops weights after it.
struct AttentionMask {
  std::int64_t batches_per_mask = 1;
  bool per_query = false;
  std::int64_t queries = 0;
};
struct AttentionSoftmax {
  std::vector<std::uint8_t> keep;  // one per weight; empty without dropout
  double keep_scale = 1.0;         // 1 / (1 - dropout)
};
void check_attention_mask(const Tensor& mask, std::int64_t batches, std::int64_t queries, std::int64_t keys);
AttentionSoftmax attention_softmax_forward(Tensor& scores, const Tensor& mask, bool causal, double scale,
                                           double dropout, Generator* generator);
// The weights after dropout (the weights themselves without it).
Tensor attention_dropped(const Tensor& weights, const AttentionSoftmax& f);
// In place: the gradient with respect to the dropped weights becomes the one with respect to
// the scores (Q K^T, before scaling).
void attention_softmax_backward(Tensor& grad, const Tensor& weights, const AttentionSoftmax& f, double scale);

// ---------------------------------------------------------------- activations
enum class ActivationKind { relu, leaky_relu, relu6, elu, selu, gelu, silu, sigmoid, tanh, softplus, hard_sigmoid };
const char* activation_name(ActivationKind a);
// alpha: leaky_relu's negative slope, elu's alpha; ignored by the others.
Tensor activation_forward(ActivationKind a, const Tensor& x, double alpha = 0.0);
Tensor activation_backward(ActivationKind a, const Tensor& grad_y, const Tensor& x, double alpha = 0.0);
// True when the oneDNN backend runs this activation itself (the rest use the reference loop).
bool onednn_has_activation(ActivationKind a);

// ---------------------------------------------------------------- fused inference convolution
// Inference: y = act((conv(x, w) + bias) * scale + shift), scale and shift per output channel
// (a batch normalization folded in; both undefined when there is none), act relu or relu6
// (none when `activation` is empty). The fast backend runs it as one oneDNN primitive with
// post-ops, which saves a pass over the output per fused step.
struct ConvEpilogue {
  Tensor scale, shift;
  std::optional<ActivationKind> activation;
};
Tensor conv2d_inference(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dGeometry& g,
                        const ConvEpilogue& epilogue);

// ---------------------------------------------------------------- softmax
// log=true gives log_softmax. Backward takes the forward output y.
Tensor softmax_forward(const Tensor& x, std::int64_t axis, bool log);
Tensor softmax_backward(const Tensor& grad_y, const Tensor& y, std::int64_t axis, bool log);

}  // namespace strata::kernels
