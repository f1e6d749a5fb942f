// Autograd: gradients, accumulation, no-grad scopes, detaching, and very deep graphs.
#include <gtest/gtest.h>

#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

using namespace strata;

TEST(Autograd, SimpleChainRule) {
  Variable x(Tensor::from_vector<float>({1, 2, 3}, {3}), true);
  Variable y = ops::sum(x * x * x);  // d/dx x^3 = 3x^2
  y.backward();
  EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{3, 12, 27}));
  EXPECT_TRUE(x.is_leaf());
  EXPECT_FALSE(y.is_leaf());
}

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
  Variable w(Tensor::from_vector<float>({2}, {1}), true);
  ops::sum(w * w).backward();
  ops::sum(w * w).backward();
  EXPECT_FLOAT_EQ(w.grad().item(), 8.0f);
  w.zero_grad();
  EXPECT_FALSE(w.grad().defined());
}

TEST(Autograd, SharedSubexpressionSumsBothPaths) {
  Variable x(Tensor::from_vector<float>({3}, {1}), true);
  Variable a = x * x;           // used twice below
  Variable y = ops::sum(a + a * x);  // 2x + ... : y = x^2 + x^3, dy/dx = 2x + 3x^2 = 33
  y.backward();
  EXPECT_FLOAT_EQ(x.grad().item(), 33.0f);
}

TEST(Autograd, NoGradScopeRecordsNothing) {
  Variable x(Tensor::ones({2}), true);
  {
    NoGradGuard guard;
    Variable y = x * x;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_THROW(ops::sum(y).backward(), Error);
  }
  EXPECT_TRUE((x * x).requires_grad());
}

TEST(Autograd, DetachCutsTheGraph) {
  Variable x(Tensor::from_vector<float>({2}, {1}), true);
  Variable y = x * x;
  Variable z = ops::sum(y.detach() * x);  // only the right factor carries gradient: dz/dx = y = 4
  z.backward();
  EXPECT_FLOAT_EQ(x.grad().item(), 4.0f);
  EXPECT_FALSE(y.detach().requires_grad());
}

TEST(Autograd, OnlyInputsThatRequireGradReceiveIt) {
  Variable a(Tensor::ones({2}), true), b(Tensor::ones({2}), false);
  ops::sum(a * b).backward();
  EXPECT_TRUE(a.grad().defined());
  EXPECT_FALSE(b.grad().defined());
}

TEST(Autograd, BackwardNeedsAScalarOrAGradient) {
  Variable x(Tensor::ones({3}), true);
  Variable y = x * x;
  EXPECT_THROW(y.backward(), Error);
  y.backward(Tensor::full({3}, 2.0));
  EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{4, 4, 4}));
}

TEST(Autograd, HundredThousandOpChainDoesNotOverflowTheStack) {
  Variable x(Tensor::from_vector<double>({1.0}, {1}), true);
  Variable y = x;
  constexpr int kDepth = 100000;
  for (int i = 0; i < kDepth; ++i) y = ops::add_scalar(y, 1e-6);
  ops::sum(y).backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 1.0);
  EXPECT_NEAR(y.value().item(), 1.1, 1e-9);
  // Dropping a retained deep graph must not recurse either.
  Variable z = x;
  for (int i = 0; i < kDepth; ++i) z = ops::mul_scalar(z, 1.0);
  z = Variable();
  SUCCEED();
}
