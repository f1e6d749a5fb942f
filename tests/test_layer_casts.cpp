// nn::is<T> / nn::as<T>: typed checks that replaced comparisons of type() strings.
#include <gtest/gtest.h>

#include "strata/models/model.h"
#include "strata/nn/layers.h"

using namespace strata;

TEST(LayerCasts, IsAndAsFollowTheClass) {
  nn::LayerPtr dense = std::make_shared<nn::Dense>(nn::DenseOptions(3));
  nn::LayerPtr pool = std::make_shared<nn::Pooling2D>(kernels::PoolKind::max, nn::Size2{2, 2});
  EXPECT_TRUE(nn::is<nn::Dense>(dense));
  EXPECT_FALSE(nn::is<nn::Conv2D>(dense));
  EXPECT_FALSE(nn::is<nn::Dense>(nn::LayerPtr()));
  ASSERT_NE(nn::as<nn::Dense>(dense), nullptr);
  EXPECT_EQ(nn::as<nn::Dense>(pool), nullptr);
  EXPECT_EQ(nn::as<nn::Pooling2D>(pool)->kind(), kernels::PoolKind::max);
  auto sequential = std::make_shared<models::Sequential>(Shape{4}, std::vector<nn::LayerPtr>{dense});
  EXPECT_TRUE(nn::is<models::Sequential>(*sequential));
  EXPECT_TRUE(nn::is<models::Model>(*sequential));  // a Sequential is a Model
  nn::LayerPtr conv = std::make_shared<nn::Conv2D>(nn::Conv2DOptions(0, 3), nn::Conv2D::Kind::depthwise);
  EXPECT_EQ(nn::as<nn::Conv2D>(conv)->kind(), nn::Conv2D::Kind::depthwise);
}
