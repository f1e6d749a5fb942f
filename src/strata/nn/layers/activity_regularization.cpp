#include "strata/nn/layers/activity_regularization.h"

#include <cmath>

#include "strata/nn/layer_config.h"
#include "strata/nn/registry.h"

namespace strata::nn {

ActivityRegularization::ActivityRegularization(double l1, double l2, std::string name)
    : Layer(std::move(name)), regularizer_(Regularizer::L1L2(l1, l2)) {
  STRATA_CHECK(std::isfinite(l1) && std::isfinite(l2) && l1 >= 0 && l2 >= 0,
               "ActivityRegularization: l1 and l2 must be finite and >= 0, got ", l1, " and ", l2);
}

Variable ActivityRegularization::forward(const std::vector<Variable>& in, bool training) {
  if (training && regularizer_.active()) pending_ = regularizer_.penalty(in[0]);
  return in[0];
}

Variable ActivityRegularization::regularization_loss() {
  Variable penalty = pending_;
  pending_ = Variable();
  return penalty;
}

void ActivityRegularization::layer_config(nlohmann::json& c) const {
  c["l1"] = regularizer_.l1;
  c["l2"] = regularizer_.l2;
}

LayerPtr ActivityRegularization::from_config(const nlohmann::json& c) {
  return std::make_shared<ActivityRegularization>(config::get(c, "l1", 0.0), config::get(c, "l2", 0.0), config::name(c));
}

namespace {
const LayerRegistrar activity_regularization_registrar("ActivityRegularization", ActivityRegularization::from_config);
}  // namespace

}  // namespace strata::nn
