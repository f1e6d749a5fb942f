// Each optimizer's update against a step computed by hand from its documented formula,
// clipping, weight decay, schedules, and state save/restore.
#include <gtest/gtest.h>

#include <cmath>

#include "strata/optim/optimizer.h"

using namespace strata;
using namespace strata::optim;

namespace {
// One parameter [2] = {1, -2} with gradient {0.5, 0.25}, stepped `steps` times.
std::vector<float> run(Optimizer& opt, Variable& p, int steps, std::vector<float> grad = {0.5f, 0.25f}) {
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    p.accumulate_grad(Tensor::from_vector(grad, {2}));
    opt.step();
  }
  return p.value().to_vector<float>();
}
Variable param() { return Variable(Tensor::from_vector<float>({1.0f, -2.0f}, {2}), true); }
}  // namespace

TEST(Optimizers, SGDPlainMomentumNesterov) {
  Variable p = param();
  SGD plain({p}, 0.1);
  EXPECT_NEAR(run(plain, p, 1)[0], 1.0 - 0.1 * 0.5, 1e-7);

  Variable q = param();
  SGD momentum({q}, 0.1, 0.9);
  // v1 = g, p1 = p0 - lr g; v2 = 0.9 g + g, p2 = p1 - lr * 1.9 g
  EXPECT_NEAR(run(momentum, q, 2)[0], 1.0 - 0.1 * 0.5 - 0.1 * 1.9 * 0.5, 1e-6);

  Variable r = param();
  SGD nesterov({r}, 0.1, 0.9, true);
  // step 1: v = g, p -= lr (g + 0.9 v) = lr 1.9 g ; step 2: v = 1.9 g, p -= lr (g + 0.9*1.9 g)
  EXPECT_NEAR(run(nesterov, r, 2)[1], -2.0 - 0.1 * 1.9 * 0.25 - 0.1 * (1 + 0.9 * 1.9) * 0.25, 1e-6);
}

TEST(Optimizers, AdamMatchesTheKerasFormula) {
  Variable p = param();
  Adam adam({p}, 0.01);
  double m = 0, v = 0, w = 1.0;
  for (int t = 1; t <= 3; ++t) {
    const double g = 0.5;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    w -= 0.01 * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t)) * m / (std::sqrt(v) + 1e-7);
  }
  EXPECT_NEAR(run(adam, p, 3)[0], w, 1e-6);
  EXPECT_EQ(adam.iterations(), 3);
}

TEST(Optimizers, AdamWDecaysWeightsDirectly) {
  Variable p = param();
  auto adamw = make_optimizer("adamw", {p}, OptimizerOptions{0.01}, false);
  // step 1: w *= (1 - lr*wd), then the Adam step of size lr * m_hat/(sqrt(v_hat)+eps) ~ lr * sign(g)
  const double decayed = 1.0 * (1 - 0.01 * 0.004);
  const double m = 0.05, v = 0.001 * 0.25, alpha = 0.01 * std::sqrt(1 - 0.999) / (1 - 0.9);
  EXPECT_NEAR(run(*adamw, p, 1)[0], decayed - alpha * m / (std::sqrt(v) + 1e-7), 1e-6);
}

TEST(Optimizers, RMSpropAndAdagrad) {
  Variable p = param();
  RMSprop rms({p}, OptimizerOptions{0.01});
  double v = 0, w = 1.0;
  for (int t = 0; t < 2; ++t) {
    v = 0.9 * v + 0.1 * 0.25;
    w -= 0.01 * 0.5 / (std::sqrt(v) + 1e-7);
  }
  EXPECT_NEAR(run(rms, p, 2)[0], w, 1e-6);

  Variable q = param();
  Adagrad ada({q}, OptimizerOptions{0.1});
  double acc = 0.1, u = -2.0;
  for (int t = 0; t < 2; ++t) {
    acc += 0.0625;
    u -= 0.1 * 0.25 / std::sqrt(acc + 1e-7);
  }
  EXPECT_NEAR(run(ada, q, 2)[1], u, 1e-6);
}

TEST(Optimizers, ClippingByValueNormAndGlobalNorm) {
  Variable p = param();
  SGD by_value({p}, OptimizerOptions{1.0, nullptr, 0.0, /*clipvalue=*/0.3});
  const auto clipped = run(by_value, p, 1);
  EXPECT_NEAR(clipped[0], 0.7, 1e-6);
  EXPECT_NEAR(clipped[1], -2.25, 1e-6);

  Variable q = param();
  OptimizerOptions norm{1.0};
  norm.clipnorm = 0.1;  // |g| = sqrt(0.3125) -> scaled to 0.1
  SGD by_norm({q}, norm);
  const double scale = 0.1 / std::sqrt(0.3125);
  const auto after = run(by_norm, q, 1);
  EXPECT_NEAR(after[0], 1.0 - 0.5 * scale, 1e-6);
  EXPECT_NEAR(after[1], -2.0 - 0.25 * scale, 1e-6);

  Variable a = param(), b = param();
  OptimizerOptions global{1.0};
  global.global_clipnorm = 0.5;  // joint norm sqrt(2 * 0.3125) = 0.79 -> 0.5
  SGD joint({a, b}, global);
  a.accumulate_grad(Tensor::from_vector<float>({0.5f, 0.25f}, {2}));
  b.accumulate_grad(Tensor::from_vector<float>({0.5f, 0.25f}, {2}));
  joint.step();
  EXPECT_NEAR(a.value().at({0}), 1.0 - 0.5 * 0.5 / std::sqrt(0.625), 1e-6);
}

TEST(Optimizers, SchedulesAndStateRoundTrip) {
  EXPECT_DOUBLE_EQ((*step_decay(0.1, 10, 0.5))(25), 0.025);
  EXPECT_NEAR((*exponential_decay(0.1, 100, 0.96))(50), 0.1 * std::pow(0.96, 0.5), 1e-12);
  EXPECT_DOUBLE_EQ((*exponential_decay(0.1, 100, 0.96, true))(50), 0.1);
  const auto cosine = cosine_decay(1.0, 100, 10, 0.1);
  EXPECT_DOUBLE_EQ((*cosine)(0), 0.1);    // warm-up
  EXPECT_DOUBLE_EQ((*cosine)(9), 1.0);
  EXPECT_DOUBLE_EQ((*cosine)(10), 1.0);   // start of the decay
  EXPECT_NEAR((*cosine)(60), 0.1 + 0.9 * 0.5, 1e-12);
  EXPECT_DOUBLE_EQ((*cosine)(500), 0.1);

  Variable p = param();
  OptimizerOptions o;
  o.schedule = step_decay(0.1, 1, 0.5);
  SGD sgd({p}, o, 0.9);
  run(sgd, p, 2);
  EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.025);
  // A new optimizer restored from state continues exactly.
  Variable q(p.value().clone(), true);
  auto restored = optimizer_from_config(sgd.config(), {q});
  restored->load_state(sgd.state_tensors(), sgd.state_json());
  EXPECT_EQ(run(sgd, p, 1), run(*restored, q, 1));
}

TEST(Optimizers, BadOptionsAreRejected) {
  Variable p = param();
  EXPECT_THROW(SGD({p}, 0.1, 1.5), Error);
  EXPECT_THROW(SGD({p}, -1.0), Error);
  EXPECT_THROW(make_optimizer("nadam", {p}), Error);
}
