// Layers against PyTorch, forward and gradients: LayerNormalization, GroupNormalization,
// UnitNormalization (LayerNorm, GroupNorm, F.normalize), Conv1D/2D/3DTranspose
// (ConvTranspose1d/2d/3d), Conv1D (causal too) and Conv3D (Conv1d/3d), Max/AveragePooling1D/3D
// (MaxPool1d/3d with dilation, AvgPool1d/3d), UpSampling1D/2D/3D (F.interpolate), Cropping3D and
// ZeroPadding1D (F.pad),
// from tests/golden/torch_layer_golden.json made by tools/golden/make_layer_golden.py. Each case
// builds the layer from its config, sets its weights, and runs in f32 and in f64.
#include <gtest/gtest.h>

#include "test_helpers.h"

#include "strata/nn/layers.h"

using namespace strata;

namespace {

const nlohmann::json& golden() {
  static const nlohmann::json data = strata::testing::read_golden("torch_layer_golden.json");
  return data;
}

class GoldenLayers : public ::testing::TestWithParam<DType> {};

}  // namespace

TEST_P(GoldenLayers, MatchPyTorch) {
  const DType dt = GetParam();
  const double tolerance = dt == DType::f32 ? 2e-4 : 1e-9;
  ASSERT_GE(golden()["cases"].size(), 25u);
  for (const auto& c : golden()["cases"]) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    const nn::LayerPtr layer = nn::layer_from_config(c["layer"]);
    Variable x(strata::testing::golden_tensor(c["x"], dt), true);
    const Shape example(x.shape().begin() + 1, x.shape().end());
    layer->build_if_needed({example});
    for (auto* w : layer->weights()) {
      ASSERT_TRUE(c.contains(w->name)) << "no golden value for weight " << w->name;
      w->variable = Variable(strata::testing::golden_tensor(c[w->name], dt), true);
    }
    Variable y = layer->call({x}, /*training=*/true);
    strata::testing::expect_close_to_golden(y.value(), c["y"], tolerance, name + " y");
    y.backward(strata::testing::golden_tensor(c["g_y"], dt));
    strata::testing::expect_close_to_golden(x.grad(), c["grad_x"], tolerance, name + " grad_x");
    for (auto* w : layer->weights())
      strata::testing::expect_close_to_golden(w->variable.grad(), c["grad_" + w->name], tolerance, name + " grad_" + w->name);
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, GoldenLayers, ::testing::Values(DType::f32, DType::f64),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });
