// The library example in README.md, kept compiling and running.
#include <gtest/gtest.h>

#include "strata/strata.h"

using namespace strata;

TEST(ReadmeExample, ConvReluPoolCrossEntropyBackward) {
  Variable x(Tensor::normal({8, 3, 32, 32}, 0, 1));  // NCHW
  Variable w(Tensor::normal({16, 3, 3, 3}, 0, 0.1), /*requires_grad=*/true);
  Variable b(Tensor::zeros({16}), true);
  Variable y = ops::relu(ops::conv2d(x, w, b, ops::Conv2dOptions().stride(2).padding("same")));
  Variable loss = ops::softmax_cross_entropy(ops::flatten(ops::global_avg_pool2d(y, true)),
                                             Tensor::from_vector<std::int64_t>({0, 1, 2, 3, 4, 5, 6, 7}, {8}));
  loss.backward();
  EXPECT_EQ(y.shape(), Shape({8, 16, 16, 16}));
  EXPECT_EQ(w.grad().shape(), w.shape());
  EXPECT_EQ(b.grad().shape(), b.shape());
  EXPECT_GT(max(abs(w.grad())).item(), 0.0);
}
