#include "strata/optim/optimizer.h"

#include <cmath>

namespace strata::optim {

Optimizer::Optimizer(std::vector<Variable> parameters, double learning_rate)
    : parameters_(std::move(parameters)), learning_rate_(learning_rate) {
  STRATA_CHECK(learning_rate > 0, "optimizer: learning rate must be positive, got ", learning_rate);
  for (const auto& p : parameters_)
    STRATA_CHECK(p.defined() && p.is_leaf() && p.dtype() == DType::f32,
                 "optimizer: parameters must be f32 leaf variables");
}

void Optimizer::zero_grad() {
  for (auto& p : parameters_) p.zero_grad();
}

namespace {
// Calls update(param, grad, slot_a, slot_b, n) on the raw f32 buffers of each parameter
// that has a gradient; slot tensors are created (zero) on first use.
template <class Update>
void for_each_parameter(std::vector<Variable>& params, std::vector<Tensor>& a, std::vector<Tensor>* b,
                        Update&& update) {
  if (a.empty()) a.resize(params.size());
  if (b && b->empty()) b->resize(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (!params[i].grad().defined()) continue;
    Tensor& value = params[i].mutable_value();
    STRATA_CHECK(value.is_contiguous(), "optimizer: parameter ", i, " is not contiguous");
    const Tensor grad = params[i].grad().contiguous();
    if (!a[i].defined()) a[i] = Tensor::zeros(value.shape());
    if (b && !(*b)[i].defined()) (*b)[i] = Tensor::zeros(value.shape());
    update(value.data<float>(), grad.data<float>(), a[i].data<float>(), b ? (*b)[i].data<float>() : nullptr,
           value.numel());
  }
}
}  // namespace

SGD::SGD(std::vector<Variable> parameters, double learning_rate, double momentum, bool nesterov)
    : Optimizer(std::move(parameters), learning_rate), momentum_(momentum), nesterov_(nesterov) {
  STRATA_CHECK(momentum >= 0 && momentum < 1, "SGD: momentum must be in [0, 1), got ", momentum);
}

void SGD::step() {
  const float lr = float(learning_rate_), m = float(momentum_);
  const bool nesterov = nesterov_;
  for_each_parameter(parameters_, velocity_, nullptr, [&](float* p, const float* g, float* v, float*, std::int64_t n) {
#pragma omp parallel for simd if (n > 65536)
    for (std::int64_t i = 0; i < n; ++i) {
      v[i] = m * v[i] + g[i];
      p[i] -= lr * (nesterov ? g[i] + m * v[i] : v[i]);
    }
  });
}

Adam::Adam(std::vector<Variable> parameters, double learning_rate, double beta1, double beta2, double epsilon)
    : Optimizer(std::move(parameters), learning_rate), beta1_(beta1), beta2_(beta2), epsilon_(epsilon) {
  STRATA_CHECK(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam: betas must be in [0, 1), got ", beta1, ", ",
               beta2);
}

void Adam::step() {
  ++step_count_;
  const float b1 = float(beta1_), b2 = float(beta2_);
  const float step_size = float(learning_rate_ * std::sqrt(1 - std::pow(beta2_, step_count_)) /
                                (1 - std::pow(beta1_, step_count_)));
  // m_hat / (sqrt(v_hat) + eps) rewritten on the raw moments, so no per-element correction.
  const float eps_hat = float(epsilon_ * std::sqrt(1 - std::pow(beta2_, step_count_)));
  for_each_parameter(parameters_, m_, &v_, [&](float* p, const float* g, float* m, float* v, std::int64_t n) {
#pragma omp parallel for simd if (n > 65536)
    for (std::int64_t i = 0; i < n; ++i) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      p[i] -= step_size * m[i] / (std::sqrt(v[i]) + eps_hat);
    }
  });
}

}  // namespace strata::optim
