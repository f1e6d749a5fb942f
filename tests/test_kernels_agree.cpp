// The fast oneDNN kernels against the reference loops (the first oracle) on random shapes and
// options: batch 1, odd sizes, non-square kernels, strides, padding, dilation and groups.
#include <gtest/gtest.h>

#include "strata/kernels/backend.h"
#include "strata/tensor/math.h"
#include "strata/tensor/random.h"

using namespace strata;
using namespace strata::kernels;

namespace {

constexpr int kCases = 24;
constexpr double kTolerance = 1e-4;

// Largest difference relative to the largest reference magnitude.
double relative_error(const Tensor& fast, const Tensor& ref) {
  EXPECT_EQ(fast.shape(), ref.shape());
  if (fast.shape() != ref.shape()) return 1.0;
  const double scale = std::max(max(abs(ref)).item(), 1e-6);
  return max_abs_diff(fast, ref) / scale;
}

#define EXPECT_AGREE(fast, ref) EXPECT_LT(relative_error(fast, ref), kTolerance) << description

struct Rng {
  Generator gen;
  explicit Rng(std::uint64_t seed) : gen(seed) {}
  std::int64_t pick(std::int64_t lo, std::int64_t hi) { return lo + static_cast<std::int64_t>(gen.below(hi - lo + 1)); }
  Tensor tensor(const Shape& s) { return Tensor::uniform(s, -1, 1, DType::f32, &gen); }
};

}  // namespace

namespace {

// Forward, both backward passes separately and together: oneDNN against the reference loops.
void expect_conv_agrees(const Tensor& x, const Tensor& w, const Tensor& b, const ConvNdGeometry& g,
                        const std::string& description) {
  const Tensor y = reference::conv_forward(x, w, b, g);
  EXPECT_AGREE(cpu::conv_forward(x, w, b, g), y);
  const Tensor gy = Tensor::uniform(y.shape(), -1, 1, DType::f32);
  EXPECT_AGREE(cpu::conv_backward_data(gy, w, x.shape(), g), reference::conv_backward_data(gy, w, x.shape(), g));
  auto fast = cpu::conv_backward_weights(x, gy, w.shape(), g, b.defined());
  auto ref = reference::conv_backward_weights(x, gy, w.shape(), g, b.defined());
  EXPECT_AGREE(fast.first, ref.first);
  if (b.defined()) EXPECT_AGREE(fast.second, ref.second);
  // Both passes at once (what training calls): the same results.
  const auto both = cpu::conv_backward(gy, x, w, g, true, true, b.defined());
  EXPECT_AGREE(both.grad_x, reference::conv_backward_data(gy, w, x.shape(), g));
  EXPECT_AGREE(both.grad_w, ref.first);
  if (b.defined()) EXPECT_AGREE(both.grad_bias, ref.second);
}

void expect_pool_agrees(const Tensor& x, const PoolNdGeometry& g, const std::string& description) {
  const PoolForward ref = reference::pool_forward(x, g), fast = cpu::pool_forward(x, g);
  EXPECT_AGREE(fast.output, ref.output);
  const Tensor gy = Tensor::uniform(ref.output.shape(), -1, 1, DType::f32);
  EXPECT_AGREE(cpu::pool_backward(gy, x, fast, g), reference::pool_backward(gy, x, ref, g));
}

}  // namespace

TEST(KernelsAgree, Matmul) {
  Rng rng(1);
  for (int c = 0; c < kCases; ++c) {
    const std::int64_t M = rng.pick(1, 70), K = rng.pick(1, 90), N = rng.pick(1, 65), B = rng.pick(1, 3);
    const bool ta = c % 2, tb = (c / 2) % 2, batched = c % 3 == 0;
    const std::string description = detail::concat("M=", M, " K=", K, " N=", N, " ta=", ta, " tb=", tb, " B=", B);
    Tensor a = batched ? rng.tensor(ta ? Shape{B, K, M} : Shape{B, M, K}) : rng.tensor(ta ? Shape{K, M} : Shape{M, K});
    Tensor b = batched ? rng.tensor(tb ? Shape{B, N, K} : Shape{B, K, N}) : rng.tensor(tb ? Shape{N, K} : Shape{K, N});
    const std::int64_t r = a.dim();
    if (ta) a = a.transpose(r - 2, r - 1);
    if (tb) b = b.transpose(r - 2, r - 1);
    EXPECT_AGREE(cpu::matmul(a, b), reference::matmul(a, b));
  }
}

TEST(KernelsAgree, Conv2dForwardAndBackward) {
  Rng rng(2);
  for (int c = 0; c < kCases; ++c) {
    Conv2dGeometry g;
    g.groups = c % 4 == 0 ? rng.pick(2, 3) : 1;
    const bool depthwise = c % 6 == 1;
    const std::int64_t N = c < 4 ? 1 : rng.pick(1, 4);
    const std::int64_t C = depthwise ? rng.pick(2, 6) : g.groups * rng.pick(1, 4);
    if (depthwise) g.groups = C;
    const std::int64_t O = g.groups * rng.pick(1, 4);
    const std::int64_t KH = rng.pick(1, 5), KW = rng.pick(1, 4);
    g.stride_h = rng.pick(1, 3);
    g.stride_w = rng.pick(1, 2);
    g.dilation_h = rng.pick(1, 2);
    g.dilation_w = c % 5 == 0 ? 2 : 1;
    g.pad_top = rng.pick(0, 2);
    g.pad_bottom = rng.pick(0, 2);
    g.pad_left = rng.pick(0, 2);
    g.pad_right = g.pad_left;
    const std::int64_t H = rng.pick(KH * g.dilation_h, 13), W = rng.pick(KW * g.dilation_w, 12);
    const Shape xs{N, C, H, W}, ws{O, C / g.groups, KH, KW};
    const std::string description = detail::concat("x", shape_str(xs), " w", shape_str(ws), " s", g.stride_h, ",",
                                                    g.stride_w, " d", g.dilation_h, ",", g.dilation_w, " p", g.pad_top,
                                                    ",", g.pad_bottom, ",", g.pad_left, " g", g.groups);
    const Tensor x = rng.tensor(xs), w = rng.tensor(ws), b = c % 2 ? rng.tensor({O}) : Tensor();
    expect_conv_agrees(x, w, b, g.nd(), description);
  }
}

// Rank 1 and 3: sequences [N,C,L] and volumes [N,C,D,H,W], the same oracle.
TEST(KernelsAgree, Conv1dAnd3dForwardAndBackward) {
  Rng rng(12);
  for (int c = 0; c < kCases; ++c) {
    const std::size_t rank = c % 2 ? 3 : 1;
    ConvNdGeometry g;
    g.groups = c % 4 == 0 ? 2 : 1;
    const std::int64_t N = rng.pick(1, 3), C = g.groups * rng.pick(1, 3), O = g.groups * rng.pick(1, 3);
    Shape xs{N, C}, ws{O, C / g.groups};
    for (std::size_t i = 0; i < rank; ++i) {
      const std::int64_t k = rng.pick(1, rank == 1 ? 5 : 3), d = rng.pick(1, 2);
      g.stride.push_back(rng.pick(1, 2));
      g.dilation.push_back(d);
      g.pad_begin.push_back(rng.pick(0, 2));
      g.pad_end.push_back(rng.pick(0, 1));
      ws.push_back(k);
      xs.push_back(rng.pick((k - 1) * d + 1, rank == 1 ? 17 : 7));
    }
    const std::string description = detail::concat("x", shape_str(xs), " w", shape_str(ws), " s", shape_str(g.stride),
                                                    " d", shape_str(g.dilation), " p", shape_str(g.pad_begin),
                                                    shape_str(g.pad_end), " g", g.groups);
    const Tensor x = rng.tensor(xs), w = rng.tensor(ws), b = c % 3 ? rng.tensor({O}) : Tensor();
    expect_conv_agrees(x, w, b, g, description);
  }
}

TEST(KernelsAgree, Pool2dForwardAndBackward) {
  Rng rng(3);
  for (int c = 0; c < kCases; ++c) {
    Pool2dGeometry g;
    g.kind = c % 2 ? PoolKind::max : PoolKind::avg;
    g.kernel_h = rng.pick(1, 4);
    g.kernel_w = rng.pick(1, 3);
    g.stride_h = rng.pick(1, 3);
    g.stride_w = rng.pick(1, 3);
    g.pad_top = g.pad_bottom = rng.pick(0, g.kernel_h / 2);
    g.pad_left = g.pad_right = rng.pick(0, g.kernel_w / 2);
    g.count_include_pad = c % 4 == 0;
    const bool ceil_mode = c % 3 == 0;
    const Shape xs{c < 4 ? 1 : rng.pick(1, 3), rng.pick(1, 5), rng.pick(g.kernel_h, 11), rng.pick(g.kernel_w, 10)};
    auto out = [&](std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t p) {
      const std::int64_t span = in + 2 * p - k;
      std::int64_t o = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
      if (ceil_mode && (o - 1) * s >= in + p) --o;
      return o;
    };
    g.out_h = out(xs[2], g.kernel_h, g.stride_h, g.pad_top);
    g.out_w = out(xs[3], g.kernel_w, g.stride_w, g.pad_left);
    const std::string description =
        detail::concat(g.kind == PoolKind::max ? "max" : "avg", " x", shape_str(xs), " k", g.kernel_h, ",", g.kernel_w,
                       " s", g.stride_h, ",", g.stride_w, " p", g.pad_top, ",", g.pad_left, " ceil", ceil_mode,
                       " include_pad", g.count_include_pad);
    expect_pool_agrees(rng.tensor(xs), g.nd(), description);
  }
}

// Rank 1 and 3, with dilation (max pooling's, and average pooling's as ONNX's opset 19).
TEST(KernelsAgree, Pool1dAnd3dWithDilation) {
  Rng rng(13);
  for (int c = 0; c < kCases; ++c) {
    const std::size_t rank = c % 2 ? 3 : 1;
    PoolNdGeometry g;
    g.kind = c % 4 < 2 ? PoolKind::max : PoolKind::avg;
    Shape xs{rng.pick(1, 3), rng.pick(1, 4)};
    for (std::size_t i = 0; i < rank; ++i) {
      const std::int64_t k = rng.pick(1, 3), d = rng.pick(1, 2), dilated = (k - 1) * d + 1;
      g.kernel.push_back(k);
      g.dilation.push_back(d);
      g.stride.push_back(rng.pick(1, 2));
      g.pad_begin.push_back(rng.pick(0, dilated / 2));
      g.pad_end.push_back(g.pad_begin.back());
      xs.push_back(rng.pick(dilated, rank == 1 ? 15 : 6));
      g.out.push_back((xs.back() + 2 * g.pad_begin.back() - dilated) / g.stride.back() + 1);
    }
    const std::string description =
        detail::concat(g.kind == PoolKind::max ? "max" : "avg", " x", shape_str(xs), " k", shape_str(g.kernel), " s",
                       shape_str(g.stride), " d", shape_str(g.dilation), " p", shape_str(g.pad_begin));
    expect_pool_agrees(rng.tensor(xs), g, description);
  }
}

TEST(KernelsAgree, BatchNorm) {
  Rng rng(4);
  for (int c = 0; c < kCases; ++c) {
    // At least 3 values per channel: with 2, the batch-statistics gradient of x is exactly
    // zero and only rounding noise would be compared.
    const Shape xs = c % 3 == 0 ? Shape{rng.pick(3, 9), rng.pick(1, 7)}
                                : Shape{c < 4 ? 1 : rng.pick(1, 4), rng.pick(1, 6), rng.pick(2, 7), rng.pick(1, 9)};
    const std::string description = detail::concat("x", shape_str(xs));
    const Tensor x = add(mul(rng.tensor(xs), 3.0), 0.7), gamma = rng.tensor({xs[1]}), beta = rng.tensor({xs[1]});
    const double eps = c % 2 ? 1e-5 : 1e-3;
    const auto ref = reference::batch_norm_training(x, gamma, beta, eps);
    const auto fast = cpu::batch_norm_training(x, gamma, beta, eps);
    EXPECT_AGREE(fast.output, ref.output);
    EXPECT_AGREE(fast.mean, ref.mean);
    EXPECT_AGREE(fast.var, ref.var);
    const Tensor running_var = add(abs(rng.tensor({xs[1]})), 0.5), running_mean = rng.tensor({xs[1]});
    EXPECT_AGREE(cpu::batch_norm_inference(x, gamma, beta, running_mean, running_var, eps),
                 reference::batch_norm_inference(x, gamma, beta, running_mean, running_var, eps));
    const Tensor gy = rng.tensor(xs);
    for (bool batch_stats : {true, false}) {
      const Tensor m = batch_stats ? ref.mean : running_mean, v = batch_stats ? ref.var : running_var;
      auto gf = cpu::batch_norm_backward(gy, x, gamma, m, v, eps, batch_stats);
      auto gr = reference::batch_norm_backward(gy, x, gamma, m, v, eps, batch_stats);
      EXPECT_AGREE(gf.grad_x, gr.grad_x);
      EXPECT_AGREE(gf.grad_gamma, gr.grad_gamma);
      EXPECT_AGREE(gf.grad_beta, gr.grad_beta);
    }
  }
}

TEST(KernelsAgree, Activations) {
  Rng rng(5);
  int checked = 0;
  for (int c = 0; c < kCases; ++c) {
    for (int k = 0; k <= static_cast<int>(ActivationKind::hard_sigmoid); ++k) {
      const auto a = static_cast<ActivationKind>(k);
      if (!onednn_has_activation(a)) continue;
      const Shape xs{rng.pick(1, 5), rng.pick(1, 17), rng.pick(1, 9)};
      const double alpha = a == ActivationKind::elu ? 0.7 : 0.1;
      const std::string description = detail::concat(activation_name(a), " x", shape_str(xs));
      const Tensor x = mul(rng.tensor(xs), 8.0), gy = rng.tensor(xs);
      EXPECT_AGREE(cpu::activation_forward(a, x, alpha), reference::activation_forward(a, x, alpha));
      EXPECT_AGREE(cpu::activation_backward(a, gy, x, alpha), reference::activation_backward(a, gy, x, alpha));
      ++checked;
    }
  }
  EXPECT_GE(checked, 9 * kCases);
}

TEST(KernelsAgree, SoftmaxAndLogSoftmax) {
  Rng rng(6);
  for (int c = 0; c < kCases; ++c) {
    const Shape xs = c % 2 ? Shape{rng.pick(1, 9), rng.pick(1, 33)} : Shape{rng.pick(1, 3), rng.pick(1, 7), rng.pick(1, 6)};
    const std::int64_t axis = rng.pick(0, static_cast<std::int64_t>(xs.size()) - 1);
    const bool log = c % 3 == 0;
    const std::string description = detail::concat(log ? "log_softmax" : "softmax", " x", shape_str(xs), " axis ", axis);
    const Tensor x = mul(rng.tensor(xs), 10.0), gy = rng.tensor(xs);
    const Tensor y = reference::softmax_forward(x, axis, log);
    EXPECT_AGREE(cpu::softmax_forward(x, axis, log), y);
    EXPECT_AGREE(cpu::softmax_backward(gy, y, axis, log), reference::softmax_backward(gy, y, axis, log));
  }
}
