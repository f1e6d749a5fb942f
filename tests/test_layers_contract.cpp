// The layer contract (after Keras' run_layer_test), for every layer: output shape, weight
// counts, a double-precision gradient check through the layer (tests/gradcheck.h), config round
// trip, save/load round trip inside a model, and one training step that lowers the loss. Every
// class name layer_from_config knows must have a case here (EveryRegisteredLayerHasACase).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <set>

#include "strata/io/model_io.h"
#include "gradcheck.h"
#include "layer_cases.h"
#include "strata/nn/layers.h"
#include "strata/nn/registry.h"
#include "strata/optim/optimizer.h"
#include "strata/tensor/math.h"

using namespace strata;

namespace {

using strata::testing::LayerCase;
using strata::testing::inputs_for;
using strata::testing::token_indices;
using strata::testing::with_batch;
std::vector<LayerCase> cases() { return strata::testing::layer_cases(); }

// Converts every weight of a built layer to f64 so the whole layer runs on the reference kernels.
void to_f64(nn::Layer& layer) {
  for (auto* w : layer.weights()) {
    const bool grad = w->variable.requires_grad();
    w->variable = Variable(w->variable.value().to(DType::f64), grad);
  }
}

class LayerContract : public ::testing::TestWithParam<LayerCase> {};

}  // namespace

TEST_P(LayerContract, OutputShapeAndWeightCounts) {
  const auto& c = GetParam();
  auto layer = c.make();
  EXPECT_EQ(layer->compute_output_shape(c.input_shapes), c.expected_output);
  const std::vector<Variable> inputs = inputs_for(c, 3);
  Variable y = layer->call(inputs, true);
  EXPECT_EQ(y.shape(), with_batch(3, c.expected_output));
  std::int64_t trainable = 0, frozen = 0;
  for (auto* w : layer->weights()) (w->trainable ? trainable : frozen)++;
  EXPECT_EQ(trainable, c.trainable_weights);
  EXPECT_EQ(frozen, c.non_trainable_weights);
  EXPECT_FALSE(layer->name().empty());
}

TEST_P(LayerContract, GradientCheckInDoublePrecision) {
  const auto& c = GetParam();
  auto layer = c.make();
  layer->build_if_needed(c.input_shapes);
  to_f64(*layer);
  // The checked variables: the inputs (unless they are indices), then the trainable weights,
  // which the function puts into the layer before calling it.
  Generator gen(17);
  std::vector<Tensor> fixed, checked;
  for (const auto& s : c.input_shapes) {
    if (c.integer_inputs) {
      fixed.push_back(token_indices(with_batch(2, s), DType::f64, &gen));
      continue;
    }
    Tensor x = Tensor::uniform(with_batch(2, s), -1, 1, DType::f64, &gen);
    checked.push_back(add(x, mul(sign(x), 0.1)));  // away from activation kinks at 0
  }
  std::vector<nn::Weight*> weights;
  for (auto* w : layer->weights())
    if (w->variable.requires_grad()) {
      weights.push_back(w);
      checked.push_back(w->variable.value());
    }
  const std::size_t n_inputs = checked.size() - weights.size();
  // BatchNormalization updates its moving statistics in training; the gradient does not depend on them.
  strata::testing::expect_gradients_match(
      [&](const std::vector<Variable>& vars) {
        std::vector<Variable> inputs;
        for (const auto& t : fixed) inputs.emplace_back(t);
        for (std::size_t k = 0; k < n_inputs; ++k) inputs.push_back(vars[k]);
        for (std::size_t k = 0; k < weights.size(); ++k) weights[k]->variable = vars[n_inputs + k];
        return layer->call(inputs, c.check_training_path);
      },
      checked, 1e-6, 1e-4);
}

TEST_P(LayerContract, ConfigRoundTrip) {
  const auto& c = GetParam();
  auto layer = c.make();
  layer->build_if_needed(c.input_shapes);
  auto copy = nn::layer_from_config(layer->config());
  EXPECT_EQ(copy->config().dump(), layer->config().dump());
  copy->build_if_needed(c.input_shapes);
  const auto a = layer->weights(), b = copy->weights();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]->name, b[i]->name);
    b[i]->variable.mutable_value().copy_(a[i]->variable.value());
  }
  const std::vector<Variable> inputs = inputs_for(c, 2);
  EXPECT_EQ(layer->call(inputs, false).value().to_vector<float>(), copy->call(inputs, false).value().to_vector<float>());
}

TEST_P(LayerContract, SaveLoadRoundTripInsideAModelAndATrainingStepLowersTheLoss) {
  const auto& c = GetParam();
  manual_seed(5);
  auto model = strata::testing::model_for(c);

  const auto path = (std::filesystem::temp_directory_path() / ("strata_contract_" + c.label + ".strata")).string();
  io::save_model(path, *model);
  auto loaded = io::load_model(path).model;
  const std::vector<Variable> x = inputs_for(c, 4);
  {
    NoGradGuard no_grad;
    EXPECT_EQ(model->call(x, false).value().to_vector<float>(), loaded->call(x, false).value().to_vector<float>())
        << "predictions after save/load must be bit-identical";
  }
  const Tensor target = Tensor::normal({4, 2}, 0, 1);
  optim::SGD sgd(model->trainable_variables(), 0.05);
  auto loss_of = [&] { return ops::mse_loss(model->call(x, false), target); };
  Variable before = loss_of();
  before.backward();
  sgd.step();
  NoGradGuard no_grad;
  EXPECT_LT(loss_of().value().item(), before.value().item());
}

INSTANTIATE_TEST_SUITE_P(EveryLayer, LayerContract, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.label; });

// Every layer class that model files and specs can name has a contract case. Containers
// (Sequential, Functional) and InputLayer, which computes nothing, are covered by the model tests.
TEST(LayerContractCoverage, EveryRegisteredLayerHasACase) {
  std::set<std::string> covered{"InputLayer", "Sequential", "Functional"};
  for (const auto& c : cases()) covered.insert(c.make()->type());
  for (const auto& name : nn::registered_layer_names())
    EXPECT_TRUE(covered.count(name)) << "layer class " << name << " has no case in tests/test_layers_contract.cpp";
}
