// Bad input gets a message naming the op, what it expected and what it got; extreme
// inputs give finite results.
#include <gtest/gtest.h>

#include <cmath>

#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

using namespace strata;

namespace {
// Runs fn, expects strata::Error, and checks that each fragment appears in the message.
template <class Fn>
void expect_error(Fn&& fn, const std::vector<std::string>& fragments) {
  try {
    fn();
    ADD_FAILURE() << "expected strata::Error";
  } catch (const Error& e) {
    for (const auto& f : fragments) EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what();
  }
}
Variable var(const Shape& s, DType dt = DType::f32) { return Variable(Tensor::ones(s, dt), true); }
}  // namespace

TEST(Errors, Conv2dChannelMismatchNamesShapes) {
  expect_error([] { ops::conv2d(var({64, 3, 28, 28}), var({32, 1, 3, 3}), Variable()); },
               {"conv2d", "input has 3 channels but weight expects 1", "[64,3,28,28]", "[32,1,3,3]"});
  expect_error([] { ops::conv2d(var({1, 3, 2, 2}), var({4, 3, 5, 5}), Variable()); }, {"conv2d", "larger than the padded input"});
  expect_error([] { ops::conv2d(var({1, 3, 8, 8}), var({4, 3, 3, 3}), Variable(), ops::ConvGeometry().padding("full")); },
               {"\"valid\" or \"same\"", "full"});
  expect_error([] { ops::conv2d(var({3, 8, 8}), var({4, 3, 3, 3}), Variable()); }, {"conv2d", "[N,C,H,W]", "[3,8,8]"});
}

TEST(Errors, ShapeAndDtypeMismatches) {
  expect_error([] { ops::matmul(var({2, 3}), var({4, 5})); }, {"matmul", "inner dimensions differ", "[2,3]", "[4,5]"});
  expect_error([] { ops::add(var({2, 3}), var({4})); }, {"add", "cannot be broadcast", "[2,3]", "[4]"});
  expect_error([] { ops::add(var({2}), var({2}, DType::f64)); }, {"add", "f32", "f64"});
  expect_error([] { ops::linear(var({2, 3}), var({4, 5}), Variable()); }, {"linear", "3 features", "expects 4"});
  expect_error([] { ops::concat({var({2, 3}), var({3, 3})}, 1); }, {"concat", "differ outside axis 1"});
  expect_error([] { ops::reshape(var({2, 3}), {4, 2}); }, {"reshape", "[2,3]", "[4,2]"});
  expect_error([] { ops::max_pool(var({1, 1, 2, 2}), {.kernel = {3, 3}}); }, {"pool2d", "larger than the padded input"});
  expect_error([] { Tensor rm = Tensor::zeros({4}), rv = Tensor::ones({4});
                    ops::batch_norm(var({2, 3}), var({3}), var({3}), rm, rv, true); },
               {"batch_norm", "3 channels", "[4]"});
  expect_error([] { ops::softmax_cross_entropy(var({2, 3}), Tensor::from_vector<std::int64_t>({0, 3}, {2})); },
               {"softmax_cross_entropy", "label 3", "outside [0, 3)"});
  expect_error([] { ops::mse_loss(var({2, 3}), Tensor::zeros({3, 2})); }, {"mse_loss", "[2,3]", "[3,2]"});
  expect_error([] { ops::dropout(var({2}), 1.0, true); }, {"dropout", "[0, 1)"});
}

TEST(Errors, SecondBackwardThroughFreedGraph) {
  Variable x = var({2});
  Variable h = x * x;
  Variable y = ops::sum(h * h);
  y.backward();
  expect_error([&] { ops::sum(h).backward(); }, {"already freed", "retain_graph"});
  Variable z = ops::sum(x * x);
  z.backward(true);
  z.backward();  // retained once: allowed
  EXPECT_FLOAT_EQ(x.grad().at({0}), 2 * 2 + 2 + 2);
}

TEST(Stability, HugeLogitsGiveFiniteLossesAndGradients) {
  for (DType dt : {DType::f32, DType::f64}) {
    Variable logits(Tensor::from_vector<double>({1000, -1000, 0, -1000, 1000, 999}, {2, 3}).to(dt), true);
    Variable loss = ops::softmax_cross_entropy(logits, Tensor::from_vector<std::int64_t>({1, 2}, {2}), 0.1);
    loss.backward();
    EXPECT_TRUE(std::isfinite(loss.value().item()));
    EXPECT_NEAR(loss.value().item(), (2000 * 0.9333333333 + 1000 * 0.0333333333 + 1 * 0.93333333 + 0.0333333 * 2001) / 2, 1.0);
    for (double g : logits.grad().to_vector<double>()) EXPECT_TRUE(std::isfinite(g));

    Variable z(Tensor::from_vector<double>({1000, -1000, 0}, {3}).to(dt), true);
    Variable bce = ops::binary_cross_entropy_with_logits(z, Tensor::from_vector<double>({0, 1, 1}, {3}).to(dt));
    bce.backward();
    EXPECT_NEAR(bce.value().item(), (1000 + 1000 + std::log(2.0)) / 3, 1e-3);
    for (double g : z.grad().to_vector<double>()) EXPECT_TRUE(std::isfinite(g));

    Variable s = ops::log_softmax(Variable(Tensor::from_vector<double>({1000, -1000}, {1, 2}).to(dt)));
    EXPECT_NEAR(s.value().at({0, 1}), -2000, 1e-3);
    for (auto kind : {kernels::ActivationKind::sigmoid, kernels::ActivationKind::softplus, kernels::ActivationKind::elu,
                      kernels::ActivationKind::silu, kernels::ActivationKind::tanh, kernels::ActivationKind::selu}) {
      Variable big(Tensor::from_vector<double>({1000, -1000}, {2}).to(dt), true);
      Variable out = ops::activation(kind, big, 1.0);
      ops::sum(out).backward();
      for (double v : out.value().to_vector<double>()) EXPECT_TRUE(std::isfinite(v)) << kernels::activation_name(kind);
      for (double g : big.grad().to_vector<double>()) EXPECT_TRUE(std::isfinite(g)) << kernels::activation_name(kind);
    }
  }
  Variable p(Tensor::from_vector<float>({0, 1}, {2}), true);
  Variable bce = ops::binary_cross_entropy(p, Tensor::from_vector<float>({1, 0}, {2}));
  EXPECT_NEAR(bce.value().item(), 100.0, 1e-4);  // log clamped at -100, as PyTorch
}

TEST(Losses, KnownValues) {
  const Tensor target = Tensor::from_vector<float>({0, 2, -1}, {3});
  Variable pred(Tensor::from_vector<float>({1, 2, 2}, {3}), true);
  EXPECT_NEAR(ops::mse_loss(pred, target).value().item(), (1 + 0 + 9) / 3.0, 1e-6);
  EXPECT_NEAR(ops::mae_loss(pred, target).value().item(), (1 + 0 + 3) / 3.0, 1e-6);
  EXPECT_NEAR(ops::huber_loss(pred, target).value().item(), (0.5 + 0 + 2.5) / 3.0, 1e-6);
  EXPECT_NEAR(ops::mse_loss(pred, target, ops::Reduction::sum).value().item(), 10.0, 1e-6);
  EXPECT_EQ(ops::mse_loss(pred, target, ops::Reduction::none).value().shape(), Shape({3}));
}

TEST(Ops, DropoutTrainAndEval) {
  Variable x(Tensor::ones({1000}), true);
  EXPECT_TRUE(ops::dropout(x, 0.3, false).same(x));
  Generator gen(3);
  Variable y = ops::dropout(x, 0.3, true, &gen);
  const auto v = y.value().to_vector<float>();
  int zeros = 0;
  for (float f : v) {
    EXPECT_TRUE(f == 0.0f || std::fabs(f - 1.0f / 0.7f) < 1e-6);
    zeros += f == 0.0f;
  }
  EXPECT_NEAR(zeros / 1000.0, 0.3, 0.05);
}

TEST(Ops, BatchNormUsesRunningStatisticsInInference) {
  Tensor rm = Tensor::from_vector<float>({1, 2}, {2}), rv = Tensor::from_vector<float>({4, 9}, {2});
  Variable x(Tensor::from_vector<float>({3, 5, 1, 2}, {2, 2}));
  Variable g(Tensor::ones({2})), b(Tensor::zeros({2}));
  Variable y = ops::batch_norm(x, g, b, rm, rv, false, 0.1, 0.0);
  EXPECT_EQ(y.value().to_vector<float>(), (std::vector<float>{1, 1, 0, 0}));
  EXPECT_EQ(rm.to_vector<float>(), (std::vector<float>{1, 2}));  // untouched in inference
}

TEST(Ops, SameConvolutionKeepsSpatialSize) {
  Variable x(Tensor::ones({1, 1, 7, 9})), w(Tensor::ones({1, 1, 4, 3}));
  EXPECT_EQ(ops::conv2d(x, w, Variable(), ops::ConvGeometry().padding("same")).shape(), Shape({1, 1, 7, 9}));
  EXPECT_EQ(ops::conv2d(x, w, Variable(), ops::ConvGeometry().padding("same").stride(2)).shape(), Shape({1, 1, 4, 5}));
  EXPECT_EQ(ops::max_pool(x, {.kernel = {2, 2}, .padding = "same"}).shape(), Shape({1, 1, 4, 5}));
  EXPECT_EQ(ops::global_pool(x, kernels::PoolKind::avg).shape(), Shape({1, 1}));
}
