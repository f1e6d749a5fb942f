// The model zoo: parameter counts equal the reference implementations', the options behave
// as Keras Applications', and the small-input variants run on 28x28 / 32x32 images.
#include <gtest/gtest.h>

#include "strata/models/zoo.h"
#include "strata/ops/ops.h"
#include "test_helpers.h"

using namespace strata;

TEST(Zoo, ParameterCountsEqualTheReferences) {
  // Keras Applications' totals (batch-norm moving statistics count as non-trainable parameters).
  EXPECT_EQ(models::zoo("vgg16")->count_params(), 138357544);
  EXPECT_EQ(models::zoo("mobilenet_v2")->count_params(), 3538984);
  EXPECT_EQ(models::zoo("inception_v3")->count_params(), 23851784);
  EXPECT_EQ(models::zoo("xception")->count_params(), 22910480);
  // torchvision's trainable parameters.
  EXPECT_EQ(models::zoo("resnet18")->count_trainable_params(), 11689512);
  EXPECT_EQ(models::zoo("resnet50")->count_trainable_params(), 25557032);
  EXPECT_EQ(models::zoo("mobilenet_v2")->count_trainable_params(), 3504872);
  EXPECT_EQ(models::zoo("vgg19")->count_params(), 143667240);
  EXPECT_EQ(models::zoo("resnet34")->count_trainable_params(), 21797672);
}

TEST(Zoo, OptionsFollowKerasApplications) {
  const auto features = models::zoo("resnet50", models::ZooOptions().include_top(false));
  EXPECT_EQ(features->output_shape(), (Shape{2048, 7, 7}));
  EXPECT_EQ(models::zoo("resnet50", models::ZooOptions().include_top(false).pooling("avg"))->output_shape(), (Shape{2048}));
  EXPECT_EQ(models::zoo("vgg16", models::ZooOptions().include_top(false).pooling("max").input_shape({3, 64, 64}))->output_shape(),
            (Shape{512}));
  EXPECT_EQ(models::zoo("mobilenet_v2", models::ZooOptions().classes(7).alpha(0.5))->output_shape(), (Shape{7}));
  EXPECT_EQ(models::zoo("mobilenet_v2", models::ZooOptions().alpha(0.35).include_top(false))->output_shape(), (Shape{1280, 7, 7}));
  EXPECT_EQ(models::zoo("inception_v3", models::ZooOptions().include_top(false))->output_shape(), (Shape{2048, 8, 8}));
  EXPECT_EQ(models::zoo("xception", models::ZooOptions().include_top(false))->output_shape(), (Shape{2048, 10, 10}));
  EXPECT_NE(strata::testing::error_of([] { models::zoo("resnet9"); }).find("expected one of vgg16"), std::string::npos);
  EXPECT_NE(strata::testing::error_of([] { models::zoo("resnet18", models::ZooOptions().pooling("mean")); }).find("pooling must be"),
            std::string::npos);
  EXPECT_NE(strata::testing::error_of([] { models::zoo("inception_v3", models::ZooOptions().input_shape({3, 32, 32})); })
                .find("at least 75x75"),
            std::string::npos);
}

TEST(Zoo, SmallInputVariantsRunOnFashionMnistSizedImages) {
  manual_seed(1);
  for (const char* name : {"resnet18", "mobilenet_v2", "vgg16"}) {
    SCOPED_TRACE(name);
    const auto model = models::zoo(name, models::ZooOptions().small_input(true).input_shape({1, 28, 28}).classes(10));
    NoGradGuard no_grad;
    const Tensor p = model->call({Variable(Tensor::uniform({2, 1, 28, 28}, 0, 1))}, false).value();
    ASSERT_EQ(p.shape(), (Shape{2, 10}));
    EXPECT_NEAR(sum(p).item(), 2.0, 1e-4);  // softmax rows
  }
}
