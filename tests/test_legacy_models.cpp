// Model files saved by an older Strata still load and predict what they predicted then.
// tests/data/legacy_models/ holds one small model per layer case (tests/layer_cases.h), with an
// input batch and the prediction, written by tests/tools/write_layer_models.cpp built at
// commit b3437b5 — before layers read their own configs and registered themselves.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "layer_cases.h"
#include "strata/io/model_io.h"
#include "strata/io/npy.h"

using namespace strata;

namespace {

const std::filesystem::path kDir = std::filesystem::path(STRATA_TEST_DATA_DIR) / "data" / "legacy_models";

// Cases added after the files were written (they have no file from before).
const std::set<std::string> kNewerCases = {"Identity",
                                           "ActivityRegularization",
                                           "LayerNormalization",
                                           "LayerNormalizationChannels",
                                           "LayerNormalizationNoShift",
                                           "GroupNormalization",
                                           "GroupNormalizationFeatures",
                                           "UnitNormalization",
                                           "UnitNormalizationImage",
                                           "Conv2DTransposeSame",
                                           "Conv2DTransposeValid",
                                           "Conv2DTransposeOutputPadding",
                                           "Conv2DTransposeExplicitDilated",
                                           "Conv1D",
                                           "Conv1DCausalDilated",
                                           "DepthwiseConv1D",
                                           "SeparableConv1D",
                                           "Conv3D",
                                           "Conv3DSame",
                                           "Conv1DTranspose",
                                           "Conv3DTranspose",
                                           "MaxPooling1D",
                                           "AveragePooling1DSame",
                                           "MaxPooling3D",
                                           "AveragePooling3D",
                                           "MaxPooling2DDilated",
                                           "GlobalMaxPooling1D",
                                           "GlobalAveragePooling1D",
                                           "GlobalMaxPooling3D",
                                           "GlobalAveragePooling3D",
                                           "ZeroPadding1D",
                                           "ZeroPadding3D",
                                           "Cropping1D",
                                           "Cropping2D",
                                           "Cropping3D",
                                           "UpSampling1D",
                                           "UpSampling2D",
                                           "UpSampling2DBilinear",
                                           "UpSampling3D",
                                           "SpatialDropout1D",
                                           "SpatialDropout2D",
                                           "SpatialDropout3D",
                                           "MultiHeadAttentionSelf",
                                           "MultiHeadAttentionCrossWithKey",
                                           "MultiHeadAttentionCausalNoBias",
                                           "MultiHeadAttentionDropout",
                                           "MultiHeadAttentionWithScores",
                                           "PositionEmbedding",
                                           "SinePositionEncoding",
                                           "TokenAndPositionEmbedding"};

}  // namespace

TEST(LegacyModelFiles, EveryLayerCaseSavedBeforeLoadsAndPredictsTheSame) {
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(kDir))
    if (entry.path().extension() == ".strata") files.insert(entry.path().stem().string());
  ASSERT_FALSE(files.empty()) << "no model files in " << kDir;

  std::size_t checked = 0;
  for (const auto& c : strata::testing::layer_cases()) {
    SCOPED_TRACE(c.label);
    if (kNewerCases.count(c.label)) {
      EXPECT_FALSE(files.count(c.label)) << "has a file now: take it out of kNewerCases";
      continue;
    }
    ASSERT_TRUE(files.count(c.label)) << "no file from before for this case";
    files.erase(c.label);
    auto model = io::load_model((kDir / (c.label + ".strata")).string()).model;
    std::vector<Variable> x;
    for (std::size_t i = 0; i < c.input_shapes.size(); ++i)
      x.emplace_back(io::read_npy((kDir / (c.label + ".in" + std::to_string(i) + ".npy")).string()));
    const auto expected = io::read_npy((kDir / (c.label + ".out.npy")).string()).to_vector<float>();
    NoGradGuard no_grad;
    const auto got = model->call(x, false).value().to_vector<float>();
    ASSERT_EQ(got.size(), expected.size());
    // Same weights, same graph: only the kernels' rounding may differ (another CPU's oneDNN
    // kernels), a few ulps of float32 through two or three layers.
    float scale = 0;
    for (float v : expected) scale = std::max(scale, std::abs(v));
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5f * (1 + scale)) << "at " << i;
    ++checked;
  }
  EXPECT_TRUE(files.empty()) << "files without a case: " << *files.begin();
  EXPECT_EQ(checked + kNewerCases.size(), strata::testing::layer_cases().size());
}
