// Differentiable operations on Variables. Each records its backward closure on the tape;
// forward and backward of one family live side by side in one file of this folder.
// Heavy lifting is done by kernels/ (oneDNN for f32, reference loops for f64).
#pragma once

#include <array>
#include <string>
#include <vector>

#include "strata/autograd/variable.h"
#include "strata/kernels/kernels.h"
#include "strata/tensor/random.h"

namespace strata::ops {

// ---------------------------------------------------------------- arithmetic (arithmetic.cpp)
// Broadcasting, as NumPy: gradients are summed back to each input's shape.
Variable add(const Variable& a, const Variable& b);
Variable sub(const Variable& a, const Variable& b);
Variable mul(const Variable& a, const Variable& b);
Variable div(const Variable& a, const Variable& b);
Variable add_scalar(const Variable& a, double b);
Variable mul_scalar(const Variable& a, double b);
Variable neg(const Variable& a);
Variable exp(const Variable& a);
Variable log(const Variable& a);
Variable pow(const Variable& a, double exponent);
Variable sum(const Variable& a, const std::vector<std::int64_t>& axes = {}, bool keepdim = false);
Variable mean(const Variable& a, const std::vector<std::int64_t>& axes = {}, bool keepdim = false);

// ---------------------------------------------------------------- shape (shape.cpp)
Variable reshape(const Variable& a, const Shape& shape);
Variable flatten(const Variable& a, std::int64_t start_axis = 1);  // Keras Flatten: keep the batch axis
Variable permute(const Variable& a, const std::vector<std::int64_t>& order);
Variable transpose(const Variable& a, std::int64_t axis_a, std::int64_t axis_b);
Variable slice(const Variable& a, std::int64_t axis, std::int64_t start, std::int64_t stop, std::int64_t step = 1);
Variable concat(const std::vector<Variable>& parts, std::int64_t axis);
// Splits along `axis` into pieces of the given sizes (which must add up to the axis length).
std::vector<Variable> split(const Variable& a, const std::vector<std::int64_t>& sizes, std::int64_t axis);
// Constant padding: pads[i] = {before, after} for axis i (fewer entries pad the last axes).
Variable pad(const Variable& a, const std::vector<std::array<std::int64_t, 2>>& pads, double value = 0.0);

// ---------------------------------------------------------------- linear algebra (linear.cpp)
// [M,K]x[K,N] or batched [B,M,K]x[B,K,N].
Variable matmul(const Variable& a, const Variable& b);
// x [N,in] times kernel [in,out] (Keras' layout) plus bias [out] (may be undefined).
Variable linear(const Variable& x, const Variable& kernel, const Variable& bias);

// ---------------------------------------------------------------- convolution (conv.cpp)
// The stride and padding of a 2-D convolution's sliding window; each setter
// checks its values and names the op (`op`) in the error.
struct Window {
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  bool same = false;  // TensorFlow's "same": the padding is worked out from the input size

  void set_stride(const char* op, std::int64_t h, std::int64_t w);
  void set_padding(const char* op, const std::string& mode);  // "valid" or "same"
  void set_padding(const char* op, std::int64_t top, std::int64_t bottom, std::int64_t left, std::int64_t right);
};

class ConvGeometry {
 public:
  ConvGeometry& stride(std::int64_t s) { return stride(s, s); }
  ConvGeometry& stride(std::int64_t h, std::int64_t w);
  // "valid" (no padding) or "same" (output size ceil(input/stride), TensorFlow's split:
  // the extra row/column goes to the bottom/right).
  ConvGeometry& padding(const std::string& mode);
  ConvGeometry& padding(std::int64_t p) { return padding(p, p); }
  ConvGeometry& padding(std::int64_t h, std::int64_t w);
  // Explicit, possibly asymmetric padding (ONNX's pads, TensorFlow's "EXPLICIT").
  ConvGeometry& padding(std::int64_t top, std::int64_t bottom, std::int64_t left, std::int64_t right);
  ConvGeometry& dilation(std::int64_t d) { return dilation(d, d); }
  ConvGeometry& dilation(std::int64_t h, std::int64_t w);
  ConvGeometry& groups(std::int64_t g);

  // The explicit geometry for input [N,C,H,W] and a kernel of kh x kw.
  kernels::Conv2dGeometry resolve(const Shape& x, std::int64_t kh, std::int64_t kw) const;

 private:
  Window window_;
  std::int64_t dilation_h_ = 1, dilation_w_ = 1, groups_ = 1;
};

// TensorFlow's "same" padding of one axis: {before, after}, the odd one after; output ceil(in/stride).
std::array<std::int64_t, 2> same_padding(std::int64_t in, std::int64_t kernel, std::int64_t stride, std::int64_t dilation = 1);

// x [N,C,H,W], weight [O,C/groups,KH,KW], bias [O] or undefined. Depthwise: groups == C.
Variable conv2d(const Variable& x, const Variable& weight, const Variable& bias,
                const ConvGeometry& options = ConvGeometry());

// Convolution of spatial rank 1 to 3: x [N,C,*spatial], weight [O,C/groups,*kernel], bias [O]
// or undefined.
Variable conv(const Variable& x, const Variable& weight, const Variable& bias, const kernels::ConvNdGeometry& g);

// (begin, end) padding of every spatial axis of a convolution over `in` (the spatial sizes),
// for Keras' padding modes: "valid" (none), "same" (output ceil(in/stride), TensorFlow's split,
// the extra at the end), "causal" (rank 1 only: (K-1)*dilation at the start, so no output sees
// a later step, as Keras' Conv1D) or "explicit" (`pads`, one pair per axis, each >= 0).
using Pads = std::vector<std::array<std::int64_t, 2>>;
Pads conv_padding(const std::string& op, const std::string& mode, const Pads& pads, const Shape& in, const Shape& kernel,
                  const Shape& stride, const Shape& dilation);

// Transposed convolution (conv_transpose.cpp), of spatial rank 1 to 3: the adjoint of the
// convolution with geometry `g`, so x [N, C_in, *spatial] and weight [C_in, C_out/groups,
// *kernel] (PyTorch's layout) give [N, C_out, *out]. `out` must be sizes the convolution with
// `g` maps back to x's: (out - 1 + pads - dilation*(K-1)) / stride == in - 1, rounding down (the
// positions beyond, like PyTorch's output_padding, receive only the bias). bias [C_out] or
// undefined.
Variable conv_transpose(const Variable& x, const Variable& weight, const Variable& bias,
                        const kernels::ConvNdGeometry& g, const Shape& out);

// ---------------------------------------------------------------- pooling (pool.cpp)
// The window of a pooling layer of spatial rank 1 to 3, one entry per spatial axis.
struct PoolWindow {
  Shape kernel;
  Shape stride;    // empty: the kernel size
  Shape dilation;  // empty: 1 (max pooling with dilation reads every dilation-th position)
  std::string padding = "valid";  // "valid", "same" (TensorFlow's) or "explicit"
  Pads pads;                      // padding "explicit": (begin, end) per axis, each below the dilated kernel
  bool ceil_mode = false;
  // Average pooling only: count padded positions in the divisor (PyTorch's default is true;
  // Keras' "same" pooling behaves as false, which is Strata's default).
  bool count_include_pad = false;

  // Validates the window itself (not an input); `op` names the layer in errors.
  void check(const std::string& op) const;
  // The explicit geometry for input x [N,C,*spatial].
  kernels::PoolNdGeometry resolve(const Shape& x, kernels::PoolKind kind) const;
};

Variable pool(const Variable& x, const kernels::PoolNdGeometry& g);
// The window resolved for x:  ops::max_pool(x, {.kernel = {3, 3}, .stride = {2, 2}, .padding = "same"})
Variable max_pool(const Variable& x, const PoolWindow& window);
Variable avg_pool(const Variable& x, const PoolWindow& window);
// Over every spatial axis: [N,C,*spatial] -> [N,C] (or [N,C,1,...] with keepdim).
Variable global_pool(const Variable& x, kernels::PoolKind kind, bool keepdim = false);

// ---------------------------------------------------------------- normalization (normalization.cpp)
// Batch normalization over axis 1 of [N,C,...]. In training it normalizes with the batch
// statistics and updates running_mean/running_var in place:
//   running = (1 - momentum) * running + momentum * batch   (unbiased batch variance)
// (PyTorch's convention; Keras' momentum m corresponds to 1 - m here.) Otherwise it uses
// the running statistics.
Variable batch_norm(const Variable& x, const Variable& gamma, const Variable& beta, Tensor& running_mean,
                    Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5);

// Layer normalization over the last `normalized_ndim` axes of x: each such block is normalized
// with its own mean and biased variance, then scaled by gamma and shifted by beta (shaped as
// those axes; undefined for none).
Variable layer_norm(const Variable& x, std::int64_t normalized_ndim, const Variable& gamma, const Variable& beta,
                    double eps);

// ---------------------------------------------------------------- activations (activation.cpp)
Variable relu(const Variable& x);
Variable leaky_relu(const Variable& x, double negative_slope = 0.01);
Variable relu6(const Variable& x);
Variable elu(const Variable& x, double alpha = 1.0);
Variable selu(const Variable& x);
Variable gelu(const Variable& x);  // exact (erf) form
Variable silu(const Variable& x);  // x * sigmoid(x), a.k.a. swish
Variable sigmoid(const Variable& x);
Variable tanh(const Variable& x);
Variable softplus(const Variable& x);
Variable hard_sigmoid(const Variable& x);  // clip(x/6 + 1/2, 0, 1), as PyTorch and Keras 3
// Learned slope per channel: alpha has shape [C] for x [N,C,...], or x's shape without the
// batch axis, or [1].
Variable prelu(const Variable& x, const Variable& alpha);
// min(max(x, lo), hi); the gradient passes where lo <= x <= hi.
Variable clip(const Variable& x, double lo, double hi);
Variable activation(kernels::ActivationKind kind, const Variable& x, double alpha = 0.0);
Variable softmax(const Variable& x, std::int64_t axis = -1);
Variable log_softmax(const Variable& x, std::int64_t axis = -1);

// ---------------------------------------------------------------- dropout (dropout.cpp)
// Inverted dropout: in training zeroes each element with probability `rate` and scales the
// rest by 1/(1-rate); the identity otherwise.
Variable dropout(const Variable& x, double rate, bool training, Generator* generator = nullptr);
// With a mask of `noise_shape` (x's shape with 1 on the axes the mask is shared along, as
// Keras' noise_shape): SpatialDropout's [N, C, 1, 1] drops whole channels.
Variable dropout(const Variable& x, double rate, bool training, const Shape& noise_shape, Generator* generator = nullptr);

// ---------------------------------------------------------------- sequences (sequence.cpp)
// Rows of `table` [V, D] picked by integer-valued `indices` (any shape, any dtype): output
// indices.shape + [D]. The gradient scatters into the picked rows. An index outside [0, V)
// throws naming it.
Variable embedding(const Tensor& indices, const Variable& table);
// x with `axis` reversed.
Variable reverse(const Variable& x, std::int64_t axis);

// ---------------------------------------------------------------- attention (attention.cpp)
struct AttentionOptions {
  // [M, T or 1, S], nonzero where a query may attend to a key (padding masks: [M, 1, S]);
  // batch b of the B reads mask b / (B / M), so M = batch and B = batch * heads share one per
  // example. Undefined: every key.
  Tensor mask;
  bool causal = false;   // query t sees keys j <= t (Keras' use_causal_mask, PyTorch's is_causal)
  double scale = 0.0;    // 0: 1 / sqrt(depth)
  double dropout = 0.0;  // on the weights, in training
  bool training = false;
  Generator* generator = nullptr;  // the dropout's; the default generator when null
};
struct Attention {
  Variable output;   // [B, T, Dv]
  Variable weights;  // [B, T, S]: the softmax, before dropout (Keras' attention scores)
};
// softmax(scale * q k^T, masked) v for q [B, T, D], k [B, S, D], v [B, S, Dv]. A query that may
// see no key gets zero weights (and a zero output). Both outputs are differentiable.
Attention scaled_dot_product_attention(const Variable& q, const Variable& k, const Variable& v,
                                       const AttentionOptions& options = {});

// ---------------------------------------------------------------- recurrent (recurrent.cpp)
enum class RnnCell { simple, lstm, gru };
struct RnnOptions {
  RnnCell cell = RnnCell::lstm;
  std::string activation = "tanh";               // SimpleRNN's output; LSTM/GRU candidate (and LSTM's cell output)
  std::string recurrent_activation = "sigmoid";  // LSTM and GRU gates
  bool reset_after = true;                        // GRU: reset gate after the recurrent product (Keras 2.x+, PyTorch)
  bool go_backwards = false;                      // process the sequence in reverse (outputs in processing order)
};
// A recurrent layer over a whole sequence, with backpropagation through time.
//   x [B, T, F]; kernel [F, G*H]; recurrent_kernel [H, G*H]; bias [G*H] ([2, G*H] for GRU with
//   reset_after: input and recurrent biases) or undefined; G = 1 (SimpleRNN), 4 (LSTM: i, f, c,
//   o), 3 (GRU: z, r, h), Keras' gate orders.
//   initial_states: none (zeros) or {h0} / {h0, c0} for LSTM, each [B, H].
//   mask [B, T] (nonzero: the step counts): a skipped step carries the states over and outputs
//   the carried h. recurrent_dropout_mask [B, H] multiplies h before every recurrent product.
// Returns {sequence [B, T, H], h_T [B, H]} and, for LSTM, c_T [B, H].
std::vector<Variable> rnn(const Variable& x, const std::vector<Variable>& initial_states, const Variable& kernel,
                          const Variable& recurrent_kernel, const Variable& bias, const RnnOptions& options,
                          const Tensor& mask = Tensor(), const Tensor& recurrent_dropout_mask = Tensor());

// ---------------------------------------------------------------- losses (loss.cpp)
enum class Reduction { mean, sum, none };

// logits [N,C]; targets either i64 class indices [N] or class probabilities [N,C] (one-hot).
// label_smoothing e mixes the target with the uniform distribution: (1-e)*t + e/C.
Variable softmax_cross_entropy(const Variable& logits, const Tensor& targets, double label_smoothing = 0.0,
                               Reduction reduction = Reduction::mean);
// The same from probabilities (e.g. after a softmax layer), as Keras' from_logits=False:
// probabilities are clipped to [1e-7, 1 - 1e-7] before the log.
Variable categorical_crossentropy(const Variable& probabilities, const Tensor& targets, double label_smoothing = 0.0,
                                  Reduction reduction = Reduction::mean);
// Element-wise binary cross-entropy; targets in [0,1] with the prediction's shape.
Variable binary_cross_entropy_with_logits(const Variable& logits, const Tensor& targets,
                                          Reduction reduction = Reduction::mean);
// From probabilities: log terms are clamped at -100 (PyTorch's rule) so p = 0 or 1 stays finite.
Variable binary_cross_entropy(const Variable& probabilities, const Tensor& targets,
                              Reduction reduction = Reduction::mean);
// Integer labels for outputs of any rank [..., C] (a sequence's [N, T, C] with labels [N, T]),
// Keras' SparseCategoricalCrossentropy(ignore_class=...): positions labelled `ignore_class`
// (e.g. -1: the tokens a masked language model does not predict, or padding) add nothing, and
// the mean is over the others (0 when there are none).
Variable sparse_crossentropy_ignoring(const Variable& output, const Tensor& labels, std::int64_t ignore_class,
                                      bool from_logits, Reduction reduction = Reduction::mean);
Variable mse_loss(const Variable& prediction, const Tensor& target, Reduction reduction = Reduction::mean);
Variable mae_loss(const Variable& prediction, const Tensor& target, Reduction reduction = Reduction::mean);
// Quadratic within |error| <= delta, linear outside.
Variable huber_loss(const Variable& prediction, const Tensor& target, double delta = 1.0,
                    Reduction reduction = Reduction::mean);

}  // namespace strata::ops

namespace strata {
// Operators on Variables (found by argument-dependent lookup).
Variable operator+(const Variable& a, const Variable& b);
Variable operator-(const Variable& a, const Variable& b);
Variable operator*(const Variable& a, const Variable& b);
Variable operator/(const Variable& a, const Variable& b);
Variable operator-(const Variable& a);
}  // namespace strata
