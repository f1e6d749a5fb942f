#include "strata/optim/optimizer.h"

#include <cmath>

#include "strata/tensor/math.h"

namespace strata::optim {

Optimizer::Optimizer(std::vector<Variable> parameters, OptimizerOptions options) : options_(std::move(options)) {
  STRATA_CHECK(options_.learning_rate > 0 || options_.schedule, "optimizer: learning rate must be positive, got ",
               options_.learning_rate);
  STRATA_CHECK(options_.weight_decay >= 0 && options_.clipvalue >= 0 && options_.clipnorm >= 0 &&
                   options_.global_clipnorm >= 0,
               "optimizer: weight_decay and clipping thresholds must be >= 0");
  set_parameters(std::move(parameters));
}

void Optimizer::update_parameters(std::vector<Variable> parameters) {
  std::vector<std::vector<Tensor>> slots(parameters.size());
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    STRATA_CHECK(parameters[i].defined() && parameters[i].is_leaf() && parameters[i].dtype() == DType::f32,
                 "optimizer: parameters must be f32 leaf variables");
    for (std::size_t j = 0; j < parameters_.size(); ++j)
      if (parameters_[j].same(parameters[i]) && j < slots_.size()) slots[i] = slots_[j];
  }
  parameters_ = std::move(parameters);
  slots_ = std::move(slots);
  multipliers_.clear();
}

void Optimizer::set_parameters(std::vector<Variable> parameters) {
  for (const auto& p : parameters)
    STRATA_CHECK(p.defined() && p.is_leaf() && p.dtype() == DType::f32, "optimizer: parameters must be f32 leaf variables");
  if (!slots_.empty()) {
    STRATA_CHECK(parameters.size() == parameters_.size(), "optimizer: rebinding ", parameters.size(),
                 " parameters to state for ", parameters_.size());
    for (std::size_t i = 0; i < parameters.size(); ++i)
      STRATA_CHECK(parameters[i].shape() == parameters_[i].shape(), "optimizer: parameter ", i, " has shape ",
                   shape_str(parameters[i].shape()), " but its state has ", shape_str(parameters_[i].shape()));
  }
  parameters_ = std::move(parameters);
  slots_.resize(parameters_.size());
}

void Optimizer::zero_grad() {
  for (auto& p : parameters_) p.zero_grad();
}

double Optimizer::learning_rate() const {
  return options_.schedule ? (*options_.schedule)(iterations_) : options_.learning_rate;
}

void Optimizer::set_learning_rate(double lr) {
  STRATA_CHECK(lr > 0, "optimizer: learning rate must be positive, got ", lr);
  options_.schedule.reset();
  options_.learning_rate = lr;
}

void Optimizer::step() {
  const float lr = static_cast<float>(learning_rate());
  // Gradients, clipped, as contiguous copies the update may read.
  std::vector<Tensor> grads(parameters_.size());
  double global_sq = 0;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    if (!parameters_[i].grad().defined()) continue;
    Tensor g = parameters_[i].grad().contiguous();
    if (options_.clipvalue > 0) g = maximum(minimum(g, Tensor::scalar(options_.clipvalue)), Tensor::scalar(-options_.clipvalue));
    if (options_.clipnorm > 0) {
      const double norm = std::sqrt(sum(square(g)).item());
      if (norm > options_.clipnorm) g = mul(g, options_.clipnorm / norm);
    }
    if (options_.global_clipnorm > 0) global_sq += sum(square(g)).item();
    grads[i] = g;
  }
  const double global_norm = std::sqrt(global_sq);
  const bool global_clip = options_.global_clipnorm > 0 && global_norm > options_.global_clipnorm;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    if (!grads[i].defined()) continue;
    if (global_clip) grads[i] = mul(grads[i], options_.global_clipnorm / global_norm);
    Tensor& value = parameters_[i].mutable_value();
    STRATA_CHECK(value.is_contiguous(), "optimizer: parameter ", i, " is not contiguous");
    const float rate = multipliers_.empty() ? lr : lr * static_cast<float>(multipliers_[i]);
    auto& slots = slots_[i];
    while (slots.size() < slot_count()) slots.push_back(Tensor::zeros(value.shape()));
    float* p = value.data<float>();
    const std::int64_t n = value.numel();
    if (options_.weight_decay > 0) {
      const float decay = 1.0f - rate * static_cast<float>(options_.weight_decay);
      for (std::int64_t k = 0; k < n; ++k) p[k] *= decay;
    }
    update(p, grads[i].data<float>(), n, slots, rate);
  }
  ++iterations_;
}

void Optimizer::set_learning_rate_multipliers(std::vector<double> multipliers) {
  STRATA_CHECK(multipliers.empty() || multipliers.size() == parameters_.size(), "optimizer: ", multipliers.size(),
               " learning-rate multipliers for ", parameters_.size(), " parameters");
  for (double m : multipliers) STRATA_CHECK(m >= 0, "optimizer: a learning-rate multiplier must be >= 0, got ", m);
  multipliers_ = std::move(multipliers);
}

std::map<std::string, Tensor> Optimizer::state_tensors() const {
  std::map<std::string, Tensor> out;
  for (std::size_t i = 0; i < slots_.size(); ++i)
    for (std::size_t s = 0; s < slots_[i].size(); ++s) out[std::to_string(i) + "/" + std::to_string(s)] = slots_[i][s];
  return out;
}

nlohmann::json Optimizer::state_json() const {
  return {{"iterations", iterations_}, {"learning_rate", options_.learning_rate}};
}

void Optimizer::load_state(const std::map<std::string, Tensor>& tensors, const nlohmann::json& json) {
  std::vector<std::vector<Tensor>> slots(parameters_.size());
  for (const auto& [key, t] : tensors) {
    const auto slash = key.find('/');
    STRATA_CHECK(slash != std::string::npos, "optimizer state: bad slot name '", key, "'");
    const std::size_t i = std::stoul(key.substr(0, slash)), s = std::stoul(key.substr(slash + 1));
    STRATA_CHECK(i < parameters_.size() && s < slot_count(), "optimizer state: slot '", key, "' does not fit a ", name(),
                 " optimizer over ", parameters_.size(), " parameters");
    STRATA_CHECK(t.shape() == parameters_[i].shape(), "optimizer state: slot '", key, "' has shape ",
                 shape_str(t.shape()), " but parameter ", i, " has ", shape_str(parameters_[i].shape()));
    if (slots[i].size() <= s) slots[i].resize(s + 1);
    slots[i][s] = t.clone();
  }
  slots_ = std::move(slots);
  iterations_ = json.value("iterations", 0L);
  if (json.contains("learning_rate")) options_.learning_rate = json["learning_rate"];
}

nlohmann::json Optimizer::config() const {
  nlohmann::json c = {{"name", name()},
                      {"learning_rate", options_.learning_rate},
                      {"weight_decay", options_.weight_decay},
                      {"clipvalue", options_.clipvalue},
                      {"clipnorm", options_.clipnorm},
                      {"global_clipnorm", options_.global_clipnorm}};
  if (options_.schedule) c["schedule"] = options_.schedule->config();
  return c;
}

// ---------------------------------------------------------------- SGD
SGD::SGD(std::vector<Variable> parameters, OptimizerOptions options, double momentum, bool nesterov)
    : Optimizer(std::move(parameters), std::move(options)), momentum_(momentum), nesterov_(nesterov) {
  STRATA_CHECK(momentum >= 0 && momentum < 1, "SGD: momentum must be in [0, 1), got ", momentum);
}

SGD::SGD(std::vector<Variable> parameters, double learning_rate, double momentum, bool nesterov)
    : SGD(std::move(parameters), OptimizerOptions{learning_rate}, momentum, nesterov) {}

void SGD::update(float* p, const float* g, std::int64_t n, std::vector<Tensor>& slots, float lr) {
  if (momentum_ == 0) {
#pragma omp parallel for simd if (n > 65536)
    for (std::int64_t i = 0; i < n; ++i) p[i] -= lr * g[i];
    return;
  }
  float* v = slots[0].data<float>();
  const float m = float(momentum_);
  if (nesterov_) {
#pragma omp parallel for simd if (n > 65536)
    for (std::int64_t i = 0; i < n; ++i) {
      v[i] = m * v[i] + g[i];
      p[i] -= lr * (g[i] + m * v[i]);
    }
  } else {
#pragma omp parallel for simd if (n > 65536)
    for (std::int64_t i = 0; i < n; ++i) {
      v[i] = m * v[i] + g[i];
      p[i] -= lr * v[i];
    }
  }
}

nlohmann::json SGD::config() const {
  auto c = Optimizer::config();
  c["momentum"] = momentum_;
  c["nesterov"] = nesterov_;
  return c;
}

// ---------------------------------------------------------------- Adam / AdamW
Adam::Adam(std::vector<Variable> parameters, OptimizerOptions options, double beta1, double beta2, double epsilon,
           bool decoupled)
    : Optimizer(std::move(parameters), std::move(options)), beta1_(beta1), beta2_(beta2), epsilon_(epsilon),
      decoupled_(decoupled) {
  STRATA_CHECK(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam: betas must be in [0, 1), got ", beta1, ", ",
               beta2);
}

Adam::Adam(std::vector<Variable> parameters, double learning_rate, double beta1, double beta2, double epsilon)
    : Adam(std::move(parameters), OptimizerOptions{learning_rate}, beta1, beta2, epsilon) {}

void Adam::update(float* p, const float* g, std::int64_t n, std::vector<Tensor>& slots, float lr) {
  const long t = iterations() + 1;
  const float b1 = float(beta1_), b2 = float(beta2_), eps = float(epsilon_);
  const float alpha = float(lr * std::sqrt(1 - std::pow(beta2_, t)) / (1 - std::pow(beta1_, t)));
  float* m = slots[0].data<float>();
  float* v = slots[1].data<float>();
#pragma omp parallel for simd if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) {
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    p[i] -= alpha * m[i] / (std::sqrt(v[i]) + eps);
  }
}

nlohmann::json Adam::config() const {
  auto c = Optimizer::config();
  c["beta_1"] = beta1_;
  c["beta_2"] = beta2_;
  c["epsilon"] = epsilon_;
  return c;
}

// ---------------------------------------------------------------- RMSprop
RMSprop::RMSprop(std::vector<Variable> parameters, OptimizerOptions options, double rho, double momentum, double epsilon)
    : Optimizer(std::move(parameters), std::move(options)), rho_(rho), momentum_(momentum), epsilon_(epsilon) {
  STRATA_CHECK(rho >= 0 && rho < 1, "RMSprop: rho must be in [0, 1), got ", rho);
}

void RMSprop::update(float* p, const float* g, std::int64_t n, std::vector<Tensor>& slots, float lr) {
  float* v = slots[0].data<float>();
  float* m = slots[1].data<float>();
  const float rho = float(rho_), mom = float(momentum_), eps = float(epsilon_);
  for (std::int64_t i = 0; i < n; ++i) {
    v[i] = rho * v[i] + (1 - rho) * g[i] * g[i];
    const float increment = lr * g[i] / (std::sqrt(v[i]) + eps);
    if (mom > 0) {
      m[i] = mom * m[i] + increment;
      p[i] -= m[i];
    } else {
      p[i] -= increment;
    }
  }
}

nlohmann::json RMSprop::config() const {
  auto c = Optimizer::config();
  c["rho"] = rho_;
  c["momentum"] = momentum_;
  c["epsilon"] = epsilon_;
  return c;
}

// ---------------------------------------------------------------- Adagrad
Adagrad::Adagrad(std::vector<Variable> parameters, OptimizerOptions options, double initial_accumulator, double epsilon)
    : Optimizer(std::move(parameters), std::move(options)), initial_accumulator_(initial_accumulator), epsilon_(epsilon) {}

void Adagrad::update(float* p, const float* g, std::int64_t n, std::vector<Tensor>& slots, float lr) {
  // The slot holds the sum of squared gradients; the initial value is added here, so a
  // parameter that first gets a gradient late starts from the same accumulator.
  float* acc = slots[0].data<float>();
  const float offset = float(initial_accumulator_ + epsilon_);
  for (std::int64_t i = 0; i < n; ++i) {
    acc[i] += g[i] * g[i];
    p[i] -= lr * g[i] / std::sqrt(acc[i] + offset);
  }
}

nlohmann::json Adagrad::config() const {
  auto c = Optimizer::config();
  c["initial_accumulator_value"] = initial_accumulator_;
  c["epsilon"] = epsilon_;
  return c;
}

// ---------------------------------------------------------------- by name
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, std::vector<Variable> parameters,
                                          OptimizerOptions options, bool use_default_learning_rate) {
  if (use_default_learning_rate) options.learning_rate = name == "sgd" ? 0.01 : 0.001;
  if (name == "sgd") return std::make_unique<SGD>(std::move(parameters), options);
  if (name == "adam") return std::make_unique<Adam>(std::move(parameters), options);
  if (name == "adamw") {
    if (options.weight_decay == 0) options.weight_decay = 0.004;
    return std::make_unique<Adam>(std::move(parameters), options, 0.9, 0.999, 1e-7, true);
  }
  if (name == "rmsprop") return std::make_unique<RMSprop>(std::move(parameters), options);
  if (name == "adagrad") return std::make_unique<Adagrad>(std::move(parameters), options);
  throw Error(detail::concat("optimizer: unknown name \"", name, "\"; expected sgd, adam, adamw, rmsprop or adagrad"));
}

std::unique_ptr<Optimizer> optimizer_from_config(const nlohmann::json& c, std::vector<Variable> parameters) {
  OptimizerOptions o;
  o.learning_rate = c.value("learning_rate", 0.001);
  o.weight_decay = c.value("weight_decay", 0.0);
  o.clipvalue = c.value("clipvalue", 0.0);
  o.clipnorm = c.value("clipnorm", 0.0);
  o.global_clipnorm = c.value("global_clipnorm", 0.0);
  if (c.contains("schedule")) o.schedule = schedule_from_config(c["schedule"]);
  const std::string name = c.at("name");
  if (name == "sgd") return std::make_unique<SGD>(std::move(parameters), o, c.value("momentum", 0.0), c.value("nesterov", false));
  if (name == "adam" || name == "adamw")
    return std::make_unique<Adam>(std::move(parameters), o, c.value("beta_1", 0.9), c.value("beta_2", 0.999),
                                  c.value("epsilon", 1e-7), name == "adamw");
  if (name == "rmsprop")
    return std::make_unique<RMSprop>(std::move(parameters), o, c.value("rho", 0.9), c.value("momentum", 0.0),
                                     c.value("epsilon", 1e-7));
  if (name == "adagrad")
    return std::make_unique<Adagrad>(std::move(parameters), o, c.value("initial_accumulator_value", 0.1),
                                     c.value("epsilon", 1e-7));
  throw Error(detail::concat("optimizer_from_config: unknown optimizer \"", name, "\""));
}

}  // namespace strata::optim
