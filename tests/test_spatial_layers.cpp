// Behaviour the layer contract does not see: SpatialDropout drops whole channels, Cropping that
// leaves nothing is an error, 1-D padding and cropping configs are Keras' single pairs.
#include <gtest/gtest.h>

#include "test_helpers.h"

#include "strata/nn/layers.h"
#include "strata/tensor/math.h"

using namespace strata;

TEST(SpatialDropout, DropsWholeChannelsAndScalesTheRest) {
  manual_seed(31);
  auto drop = layers::SpatialDropout2D(0.25);
  const Tensor x = Tensor::ones({16, 32, 3, 4});
  const Tensor y = drop(Variable(x), /*training=*/true).value();
  std::int64_t dropped = 0;
  for (std::int64_t n = 0; n < 16; ++n)
    for (std::int64_t c = 0; c < 32; ++c) {
      const Tensor channel = y.select(0, n).select(0, c);
      const double lo = min(channel).item(), hi = max(channel).item();
      EXPECT_EQ(lo, hi) << "channel " << c << " of example " << n << " is not dropped or kept as a whole";
      EXPECT_TRUE(hi == 0.0 || std::abs(hi - 1.0 / 0.75) < 1e-6) << hi;
      dropped += hi == 0.0;
    }
  EXPECT_NEAR(double(dropped) / (16 * 32), 0.25, 0.06);  // 512 draws
  EXPECT_EQ(max_abs_diff(drop(Variable(x), /*training=*/false).value(), x), 0.0);
}

TEST(SpatialLayers, CroppingThatLeavesNothingIsAnError) {
  auto crop = layers::Cropping1D(3);
  EXPECT_NE(strata::testing::error_of([&] { crop->compute_output_shape({{2, 6}}); }).find("leaves nothing"), std::string::npos);
}

TEST(SpatialLayers, OneDimensionalConfigsAreKerasPairs) {
  auto pad = nn::layer_from_config({{"class_name", "ZeroPadding1D"}, {"config", {{"padding", {2, 1}}}}});
  EXPECT_EQ(pad->compute_output_shape({{3, 5}}), (Shape{3, 8}));
  EXPECT_EQ(pad->config()["config"]["padding"], nlohmann::json({2, 1}));
  auto crop = nn::layer_from_config({{"class_name", "Cropping1D"}, {"config", {{"cropping", {1, 2}}}}});
  EXPECT_EQ(crop->compute_output_shape({{3, 5}}), (Shape{3, 2}));
  EXPECT_NE(strata::testing::error_of([] {
              nn::layer_from_config({{"class_name", "UpSampling3D"}, {"config", {{"size", {2, 2, 2}}, {"interpolation", "bilinear"}}}});
            }).find("interpolation must be \"nearest\""),
            std::string::npos);
}
