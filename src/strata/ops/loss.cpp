// Losses, each fused (value and gradient computed together in a stable form) so logits of
// +-1000 give finite values and gradients.
#include <algorithm>
#include <cmath>
#include <utility>

#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::ops {
namespace {

// Turns per-sample (or per-element) losses and their gradient w.r.t. `input` into a
// Variable with the requested reduction.
Variable finish_loss(const Variable& input, const Tensor& losses, const Tensor& grad, Reduction reduction) {
  const double count = static_cast<double>(std::max<std::int64_t>(losses.numel(), 1));
  Tensor out = reduction == Reduction::none ? losses
               : reduction == Reduction::sum ? strata::sum(losses)
                                             : strata::mean(losses);
  Shape padded = losses.shape();  // per-sample losses broadcast over the remaining axes
  while (static_cast<std::int64_t>(padded.size()) < input.dim()) padded.push_back(1);
  return Variable(out, {input}, [=](std::vector<Variable>& in, const Tensor& g) {
    const Tensor scale = reduction == Reduction::none ? g.reshape(padded)
                         : reduction == Reduction::mean ? strata::mul(g, 1.0 / count)
                                                        : g;
    in[0].accumulate_grad(strata::mul(grad, scale));
  });
}

// Element-wise losses: fn(prediction, target) -> {loss, d loss / d prediction}.
template <class Fn>
Variable elementwise_loss(const char* name, const Variable& prediction, const Tensor& target_in, Reduction reduction,
                          Fn fn) {
  STRATA_CHECK(prediction.shape() == target_in.shape(), name, ": prediction has shape ", shape_str(prediction.shape()),
               " but target has shape ", shape_str(target_in.shape()));
  const Tensor p = prediction.value().contiguous();
  const Tensor t = target_in.to(p.dtype()).contiguous();
  Tensor losses = Tensor::empty(p.shape(), p.dtype()), grad = Tensor::empty(p.shape(), p.dtype());
  dispatch_floating(p.dtype(), name, [&]<class T>() {
    const T* pp = p.data<T>();
    const T* pt = t.data<T>();
    T* pl = losses.data<T>();
    T* pg = grad.data<T>();
    for (std::int64_t i = 0, n = p.numel(); i < n; ++i) {
      const auto [l, d] = fn(double(pp[i]), double(pt[i]));
      pl[i] = static_cast<T>(l);
      pg[i] = static_cast<T>(d);
    }
  });
  return finish_loss(prediction, losses, grad, reduction);
}

double sign_of(double v) { return (v > 0) - (v < 0); }

// The smoothed target distribution [N,C] from class indices [N] or probabilities [N,C].
Tensor target_distribution(const Tensor& targets, std::int64_t N, std::int64_t C, DType dtype, double smoothing) {
  Tensor dist;
  if (targets.dtype() == DType::i64) {
    STRATA_CHECK(targets.dim() == 1 && targets.size(0) == N, "softmax_cross_entropy: expected ", N,
                 " class indices (shape [", N, "]) but got shape ", shape_str(targets.shape()));
    dist = Tensor::zeros({N, C}, dtype);
    const auto labels = targets.to_vector<std::int64_t>();
    for (std::int64_t i = 0; i < N; ++i) {
      STRATA_CHECK(labels[i] >= 0 && labels[i] < C, "softmax_cross_entropy: label ", labels[i], " at index ", i,
                   " is outside [0, ", C, ")");
      dist.slice(0, i, i + 1).slice(1, labels[i], labels[i] + 1).fill_(1.0);
    }
  } else {
    STRATA_CHECK(targets.shape() != Shape({N}), "softmax_cross_entropy: class indices must be integers (i64) but got ",
                 dtype_name(targets.dtype()), " shape ", shape_str(targets.shape()), "; convert them with .to(DType::i64)");
    STRATA_CHECK(targets.shape() == Shape({N, C}), "softmax_cross_entropy: expected target probabilities [", N, ",", C,
                 "] but got shape ", shape_str(targets.shape()));
    dist = targets.to(dtype);
  }
  if (smoothing == 0.0) return dist;
  return strata::add(strata::mul(dist, 1.0 - smoothing), smoothing / static_cast<double>(C));
}

}  // namespace

Variable softmax_cross_entropy(const Variable& logits, const Tensor& targets, double label_smoothing,
                               Reduction reduction) {
  STRATA_CHECK(logits.dim() == 2, "softmax_cross_entropy: expected logits [N,C] but got shape ",
               shape_str(logits.shape()));
  STRATA_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0,
               "softmax_cross_entropy: label_smoothing must be in [0, 1], got ", label_smoothing);
  const std::int64_t N = logits.size(0), C = logits.size(1);
  const Tensor dist = target_distribution(targets, N, C, logits.dtype(), label_smoothing);
  const Tensor log_probs = kernels::softmax_forward(logits.value(), 1, true);
  const Tensor losses = strata::neg(strata::sum(strata::mul(dist, log_probs), {1}));
  // d/dlogits of -sum_c t_c log p_c = p * sum_c t_c - t
  const Tensor grad = strata::sub(strata::mul(strata::exp(log_probs), strata::sum(dist, {1}, true)), dist);
  return finish_loss(logits, losses, grad, reduction);
}

Variable categorical_crossentropy(const Variable& probabilities, const Tensor& targets, double label_smoothing,
                                  Reduction reduction) {
  STRATA_CHECK(probabilities.dim() == 2, "categorical_crossentropy: expected probabilities [N,C] but got shape ",
               shape_str(probabilities.shape()));
  constexpr double kEpsilon = 1e-7;  // Keras' backend epsilon
  const std::int64_t N = probabilities.size(0), C = probabilities.size(1);
  const Tensor dist = target_distribution(targets, N, C, probabilities.dtype(), label_smoothing);
  const Tensor p = probabilities.value();
  const Tensor clipped = strata::maximum(strata::minimum(p, Tensor::scalar(1 - kEpsilon, p.dtype())),
                                         Tensor::scalar(kEpsilon, p.dtype()));
  const Tensor losses = strata::neg(strata::sum(strata::mul(dist, strata::log(clipped)), {1}));
  // d/dp of -t log p is -t/p inside the clipping range and 0 where the clip is active.
  Tensor grad = strata::neg(strata::div(dist, clipped));
  grad = strata::mul(grad, strata::sub(Tensor::ones({}, p.dtype()), strata::abs(strata::sign(strata::sub(p, clipped)))));
  return finish_loss(probabilities, losses, grad, reduction);
}

Variable binary_cross_entropy_with_logits(const Variable& logits, const Tensor& targets, Reduction reduction) {
  return elementwise_loss("binary_cross_entropy_with_logits", logits, targets, reduction, [](double x, double t) {
    const double loss = std::max(x, 0.0) - x * t + std::log1p(std::exp(-std::fabs(x)));
    const double sig = x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x));
    return std::pair{loss, sig - t};
  });
}

Variable binary_cross_entropy(const Variable& probabilities, const Tensor& targets, Reduction reduction) {
  return elementwise_loss("binary_cross_entropy", probabilities, targets, reduction, [](double p, double t) {
    STRATA_CHECK(p >= 0.0 && p <= 1.0, "binary_cross_entropy: probabilities must be in [0, 1], got ", p);
    const double loss = -(t * std::max(std::log(p), -100.0) + (1 - t) * std::max(std::log1p(-p), -100.0));
    return std::pair{loss, (p - t) / std::max(p * (1 - p), 1e-12)};
  });
}

Variable mse_loss(const Variable& prediction, const Tensor& target, Reduction reduction) {
  return elementwise_loss("mse_loss", prediction, target, reduction,
                          [](double p, double t) { return std::pair{(p - t) * (p - t), 2 * (p - t)}; });
}

Variable mae_loss(const Variable& prediction, const Tensor& target, Reduction reduction) {
  return elementwise_loss("mae_loss", prediction, target, reduction,
                          [](double p, double t) { return std::pair{std::fabs(p - t), sign_of(p - t)}; });
}

Variable huber_loss(const Variable& prediction, const Tensor& target, double delta, Reduction reduction) {
  STRATA_CHECK(delta > 0, "huber_loss: delta must be positive, got ", delta);
  return elementwise_loss("huber_loss", prediction, target, reduction, [delta](double p, double t) {
    const double d = p - t;
    if (std::fabs(d) <= delta) return std::pair{0.5 * d * d, d};
    return std::pair{delta * (std::fabs(d) - 0.5 * delta), delta * sign_of(d)};
  });
}

Variable sparse_crossentropy_ignoring(const Variable& output, const Tensor& labels, std::int64_t ignore_class,
                                      bool from_logits, Reduction reduction) {
  STRATA_CHECK(output.dim() >= 2, "sparse_crossentropy: expected an output [..., classes] but got shape ",
               shape_str(output.shape()));
  const std::int64_t C = output.size(-1), rows = output.numel() / C;
  STRATA_CHECK(labels.numel() == rows, "sparse_crossentropy: ", rows, " predictions of ", C, " classes (output ",
               shape_str(output.shape()), ") but labels have shape ", shape_str(labels.shape()));
  // Ignored positions get a harmless class 0 and a weight 0; Keras' mean is over the rest.
  const std::vector<double> given = labels.to_vector<double>();
  std::vector<std::int64_t> safe(given.size());
  std::vector<double> keep(given.size());
  double kept = 0;
  for (std::size_t i = 0; i < given.size(); ++i) {
    const bool ignored = static_cast<std::int64_t>(given[i]) == ignore_class;
    safe[i] = ignored ? 0 : static_cast<std::int64_t>(given[i]);
    keep[i] = ignored ? 0.0 : 1.0;
    kept += keep[i];
  }
  const Variable flat = reshape(output, {rows, C});
  const Tensor targets = Tensor::from_vector(safe, {rows});
  const Variable per_row = from_logits ? softmax_cross_entropy(flat, targets, 0.0, Reduction::none)
                                       : categorical_crossentropy(flat, targets, 0.0, Reduction::none);
  const Variable weighted = mul(per_row, Variable(Tensor::from_vector(keep, {rows}).to(output.dtype())));
  if (reduction == Reduction::none) return reshape(weighted, labels.shape());
  const Variable total = sum(weighted);
  return reduction == Reduction::sum ? total : mul_scalar(total, 1.0 / std::max(kept, 1.0));
}

}  // namespace strata::ops
