// Penalties that fit adds to the training loss: weight regularizers and ActivityRegularization.
#include <gtest/gtest.h>

#include <cmath>

#include "strata/models/model.h"
#include "strata/nn/layers.h"
#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

using namespace strata;

namespace {
// l1 * sum|v| + l2 * sum(v^2), written out.
double penalty_of(const std::vector<float>& v, double l1, double l2) {
  double total = 0;
  for (float x : v) total += l1 * std::abs(x) + l2 * double(x) * x;
  return total;
}
}  // namespace

TEST(Regularization, ActivityRegularizationPenalizesItsInputInTrainingCallsOnly) {
  manual_seed(3);
  auto in = nn::Input({5});
  auto out = layers::Dense(2)(layers::ActivityRegularization(0.01, 0.02)(in));
  models::Model model(in, out);
  const Tensor x = Tensor::normal({4, 5}, 0, 1);

  model.call({Variable(x)}, /*training=*/false);
  EXPECT_FALSE(model.regularization_loss().defined()) << "an inference call adds no penalty";

  model.call({Variable(x)}, /*training=*/true);
  const Variable penalty = model.regularization_loss();
  ASSERT_TRUE(penalty.defined());
  // Keras 3: summed over the whole batch, not divided by its size.
  EXPECT_NEAR(penalty.value().item(), penalty_of(x.to_vector<float>(), 0.01, 0.02), 1e-5);
  EXPECT_FALSE(model.regularization_loss().defined()) << "the penalty is handed over once per training call";
}

TEST(Regularization, ActivityRegularizationGradientReachesTheLayersBelow) {
  manual_seed(4);
  auto in = nn::Input({3});
  auto dense = layers::Dense(3);
  auto out = layers::ActivityRegularization(0.0, 0.5)(dense(in));
  models::Model model(in, out);
  const Tensor x = Tensor::normal({2, 3}, 0, 1);
  const Variable y = model.call({Variable(x)}, true);
  Variable penalty = model.regularization_loss();
  penalty.backward();
  // d/dW of 0.5 * sum(y^2) with y = xW + b is x^T y.
  const Tensor expected = ops::matmul(Variable(x.t()), Variable(y.value())).value();
  const auto got = dense->weights()[0]->variable.grad().to_vector<float>();
  const auto want = expected.to_vector<float>();
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5);
}

TEST(Regularization, BadFactorsAreRefusedWithTheirValues) {
  EXPECT_THROW(layers::ActivityRegularization(-0.1, 0.0), Error);
  EXPECT_THROW(layers::ActivityRegularization(0.0, std::nan("")), Error);
}
