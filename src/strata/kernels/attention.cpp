// The fused softmax of scaled dot-product attention, forward and backward, f32 and f64: one
// pass per score row that scales, masks, normalizes and (in training) drops, in place in the
// scores buffer the QK^T product wrote, so attention keeps one [B, T, S] tensor (the weights)
// and one byte per weight (the dropout mask) beyond its O(sequence) inputs and outputs. Both
// backends run this loop; the two products around it are kernels::matmul.
#include <algorithm>
#include <cmath>
#include <limits>

#include "strata/kernels/kernels.h"

namespace strata::kernels {
namespace {

bool worth_threads(std::int64_t rows, std::int64_t row_size) { return rows > 1 && rows * row_size >= 16384; }

// Row r of mask for batch b and query t (mask [M, T|1, S], batches grouped M to one mask).
const float* mask_row(const float* mask, const AttentionMask& m, std::int64_t b, std::int64_t t, std::int64_t s_len) {
  const std::int64_t group = b / m.batches_per_mask;
  const std::int64_t row = m.per_query ? group * m.queries + t : group;
  return mask + row * s_len;
}

}  // namespace

void check_attention_mask(const Tensor& mask, std::int64_t batches, std::int64_t queries, std::int64_t keys) {
  if (!mask.defined()) return;
  STRATA_CHECK(mask.dim() == 3 && mask.size(2) == keys && (mask.size(1) == queries || mask.size(1) == 1) &&
                   mask.size(0) >= 1 && batches % mask.size(0) == 0,
               "attention: the mask must be [M, ", queries, " or 1, ", keys, "] with M dividing the ", batches,
               " batches, got ", shape_str(mask.shape()));
}

AttentionSoftmax attention_softmax_forward(Tensor& scores, const Tensor& mask_in, bool causal, double scale,
                                           double dropout, Generator* generator) {
  STRATA_CHECK(scores.dim() == 3 && scores.is_contiguous(), "attention_softmax: expected contiguous scores [B, T, S], got ",
               shape_str(scores.shape()));
  const std::int64_t B = scores.size(0), T = scores.size(1), S = scores.size(2);
  check_attention_mask(mask_in, B, T, S);
  STRATA_CHECK(dropout >= 0.0 && dropout < 1.0, "attention: dropout must be in [0, 1), got ", dropout);
  const Tensor mask = mask_in.defined() ? mask_in.to(DType::f32).contiguous() : Tensor();
  AttentionMask m;
  if (mask.defined()) m = {B / mask.size(0), mask.size(1) == T, T};
  AttentionSoftmax out;
  if (dropout > 0.0) {
    // Drawn serially from the seeded generator so a run repeats whatever the thread count.
    Generator& gen = generator ? *generator : default_generator();
    out.keep.resize(static_cast<std::size_t>(B * T * S));
    for (auto& k : out.keep) k = gen.uniform() >= dropout ? 1 : 0;
    out.keep_scale = 1.0 / (1.0 - dropout);
  }
  dispatch_floating(scores.dtype(), "attention_softmax", [&]<class U>() {
    U* p = scores.data<U>();
    const float* pm = mask.defined() ? mask.data<float>() : nullptr;
    const U sc = static_cast<U>(scale);
#pragma omp parallel for schedule(static) if (worth_threads(B * T, S))
    for (std::int64_t r = 0; r < B * T; ++r) {
      const std::int64_t b = r / T, t = r % T;
      U* row = p + r * S;
      const float* allowed = pm ? mask_row(pm, m, b, t, S) : nullptr;
      const std::int64_t end = causal ? std::min(S, t + 1) : S;  // key j is seen when j <= t
      U top = -std::numeric_limits<U>::infinity();
      for (std::int64_t j = 0; j < end; ++j)
        if (!allowed || allowed[j] != 0.0f) top = std::max(top, row[j] * sc);
      if (top == -std::numeric_limits<U>::infinity()) {  // nothing to attend to: zero weights
        std::fill(row, row + S, U(0));
        continue;
      }
      double total = 0.0;
      for (std::int64_t j = 0; j < S; ++j) {
        const bool seen = j < end && (!allowed || allowed[j] != 0.0f);
        row[j] = seen ? std::exp(row[j] * sc - top) : U(0);
        total += row[j];
      }
      const U inv = static_cast<U>(1.0 / total);
      for (std::int64_t j = 0; j < S; ++j) row[j] *= inv;
    }
  });
  return out;
}

Tensor attention_dropped(const Tensor& weights, const AttentionSoftmax& f) {
  if (f.keep.empty()) return weights;
  Tensor out = Tensor::empty(weights.shape(), weights.dtype());
  dispatch_floating(weights.dtype(), "attention_dropped", [&]<class U>() {
    const U* p = weights.data<U>();
    U* o = out.data<U>();
    const U s = static_cast<U>(f.keep_scale);
    const std::int64_t n = weights.numel();
#pragma omp parallel for simd if (n > 65536)
    for (std::int64_t i = 0; i < n; ++i) o[i] = f.keep[i] ? p[i] * s : U(0);
  });
  return out;
}

void attention_softmax_backward(Tensor& grad, const Tensor& weights, const AttentionSoftmax& f, double scale) {
  STRATA_CHECK(grad.is_contiguous() && grad.shape() == weights.shape() && weights.is_contiguous(),
               "attention_softmax_backward: expected contiguous gradients shaped as the weights ",
               shape_str(weights.shape()), ", got ", shape_str(grad.shape()));
  const std::int64_t S = weights.size(2), rows = weights.numel() / S;
  dispatch_floating(weights.dtype(), "attention_softmax_backward", [&]<class U>() {
    U* g = grad.data<U>();
    const U* p = weights.data<U>();
    const U keep_scale = static_cast<U>(f.keep_scale), sc = static_cast<U>(scale);
    const bool dropped = !f.keep.empty();
#pragma omp parallel for schedule(static) if (worth_threads(rows, S))
    for (std::int64_t r = 0; r < rows; ++r) {
      U* gr = g + r * S;
      const U* pr = p + r * S;
      if (dropped) {
        const std::uint8_t* kr = f.keep.data() + r * S;
        for (std::int64_t j = 0; j < S; ++j) gr[j] = kr[j] ? gr[j] * keep_scale : U(0);
      }
      // d(scores)_j = scale * p_j * (g_j - sum_k g_k p_k): the softmax's Jacobian; masked
      // positions have p_j = 0 and so get no gradient.
      double dot = 0.0;
      for (std::int64_t j = 0; j < S; ++j) dot += static_cast<double>(gr[j]) * pr[j];
      const U d = static_cast<U>(dot);
      for (std::int64_t j = 0; j < S; ++j) gr[j] = sc * pr[j] * (gr[j] - d);
    }
  });
}

}  // namespace strata::kernels
