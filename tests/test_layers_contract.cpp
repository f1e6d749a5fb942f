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
#include "strata/nn/layers.h"
#include "strata/nn/registry.h"
#include "strata/optim/optimizer.h"
#include "strata/tensor/math.h"

using namespace strata;

namespace {

struct LayerCase {
  std::string label;
  std::function<nn::LayerPtr()> make;
  std::vector<Shape> input_shapes;  // without the batch axis
  Shape expected_output;
  std::int64_t trainable_weights, non_trainable_weights;
  bool check_training_path = true;  // false: gradients through inference (dropout's training path is random)
  bool integer_inputs = false;      // token indices in [0, 4), not differentiated (Embedding)
};

std::vector<LayerCase> cases() {
  using namespace strata::layers;
  return {
      {"Dense", [] { return Dense(nn::DenseOptions(4).activation("tanh").kernel_regularizer(nn::Regularizer::L2(0.01))); },
       {{6}}, {4}, 2, 0},
      {"Conv2D", [] { return Conv2D(nn::Conv2DOptions(3, 3).stride(2).padding("same").activation("relu")); },
       {{2, 7, 6}}, {3, 4, 3}, 2, 0},
      {"Conv2DDilatedGrouped", [] { return Conv2D(nn::Conv2DOptions(4, 3).dilation_rate({2, 2}).groups(2)); },
       {{2, 7, 7}}, {4, 3, 3}, 2, 0},
      {"DepthwiseConv2D", [] { return DepthwiseConv2D(nn::Conv2DOptions(0, 3).depth_multiplier(2).padding("same")); },
       {{3, 5, 5}}, {6, 5, 5}, 2, 0},
      {"SeparableConv2D", [] { return SeparableConv2D(nn::Conv2DOptions(4, 3).use_bias(false)); }, {{3, 6, 6}}, {4, 4, 4}, 2, 0},
      {"MaxPooling2D", [] { return MaxPooling2D(2); }, {{2, 5, 6}}, {2, 2, 3}, 0, 0},
      {"MaxPooling2DSame", [] { return MaxPooling2D(3, 2, "same"); }, {{2, 5, 6}}, {2, 3, 3}, 0, 0},
      {"AveragePooling2D", [] { return AveragePooling2D(2, 1); }, {{2, 4, 4}}, {2, 3, 3}, 0, 0},
      {"GlobalAveragePooling2D", [] { return GlobalAveragePooling2D(); }, {{3, 4, 5}}, {3}, 0, 0},
      {"GlobalMaxPooling2D", [] { return GlobalMaxPooling2D(true); }, {{3, 4, 5}}, {3, 1, 1}, 0, 0},
      {"Flatten", [] { return Flatten(); }, {{2, 3, 4}}, {24}, 0, 0},
      {"Reshape", [] { return Reshape({4, -1}); }, {{2, 3, 4}}, {4, 6}, 0, 0},
      {"ZeroPadding2D", [] { return layers::make<nn::ZeroPadding2D>(std::array<nn::Size2, 2>{nn::Size2{1, 2}, nn::Size2{0, 1}}); },
       {{2, 3, 3}}, {2, 6, 4}, 0, 0},
      {"Dropout", [] { return Dropout(0.3); }, {{5}}, {5}, 0, 0, /*check_training_path=*/false},
      {"Embedding", [] { return Embedding(6, 3); }, {{5}}, {5, 3}, 1, 0, true, /*integer_inputs=*/true},
      {"BatchNormalization", [] { return BatchNormalization(); }, {{3, 4, 4}}, {3, 4, 4}, 2, 2},
      {"BatchNormalizationDense", [] { return BatchNormalization(nn::BatchNormalizationOptions().momentum(0.9)); },
       {{5}}, {5}, 2, 2},
      {"Activation", [] { return Activation("gelu"); }, {{7}}, {7}, 0, 0},
      {"ReLU", [] { return ReLU(6.0); }, {{7}}, {7}, 0, 0},
      {"ReLUCapped", [] { return ReLU(1.5, 0.1); }, {{7}}, {7}, 0, 0},
      {"LeakyReLU", [] { return LeakyReLU(0.2); }, {{7}}, {7}, 0, 0},
      {"PReLU", [] { return PReLU({2, 3}); }, {{3, 2, 2}}, {3, 2, 2}, 1, 0},
      {"ELU", [] { return ELU(0.7); }, {{7}}, {7}, 0, 0},
      {"Softmax", [] { return Softmax(); }, {{7}}, {7}, 0, 0},
      {"Add", [] { return Add(); }, {{4}, {4}, {4}}, {4}, 0, 0},
      {"Multiply", [] { return Multiply(); }, {{2, 3}, {2, 3}}, {2, 3}, 0, 0},
      {"Concatenate", [] { return Concatenate(1); }, {{2, 3}, {4, 3}}, {6, 3}, 0, 0},
      {"SimpleRNN", [] { return SimpleRNN(4); }, {{5, 3}}, {4}, 3, 0},
      {"LSTMSequences", [] { return LSTM(nn::RecurrentOptions(3).return_sequences(true)); }, {{4, 2}}, {4, 3}, 3, 0},
      {"GRU", [] { return GRU(3); }, {{4, 2}}, {3}, 3, 0},
      {"GRUResetBeforeBackwards", [] { return GRU(nn::RecurrentOptions(3).reset_after(false).go_backwards(true)); },
       {{4, 2}}, {3}, 3, 0},
      {"BidirectionalLSTM", [] { return Bidirectional(LSTM(3, true)); }, {{4, 2}}, {4, 6}, 6, 0},
      {"BidirectionalGRUSum", [] { return Bidirectional(GRU(3), "sum"); }, {{4, 2}}, {3}, 6, 0},
      {"TimeDistributedDense", [] { return TimeDistributed(Dense(3, "tanh")); }, {{4, 5}}, {4, 3}, 2, 0},
      {"Masking", [] { return Masking(0.5); }, {{4, 2}}, {4, 2}, 0, 0},
      // Tensor layers (nn/tensor_layers.h), what imported ONNX graphs are made of.
      {"Permute", [] { return layers::make<nn::Permute>(std::vector<std::int64_t>{3, 1, 2}); }, {{2, 3, 4}}, {4, 2, 3}, 0, 0},
      {"ArithmeticBroadcast", [] { return layers::make<nn::Arithmetic>("multiply"); }, {{2, 3, 4}, {4}}, {2, 3, 4}, 0, 0},
      {"ArithmeticSubtract", [] { return layers::make<nn::Arithmetic>("subtract"); }, {{3, 1}, {1, 4}}, {3, 4}, 0, 0},
      {"ConstantArithmetic", [] { return layers::make<nn::ConstantArithmetic>("multiply", Shape{3, 1, 1}); }, {{3, 2, 2}}, {3, 2, 2}, 0, 1},
      {"ConstantFirst", [] { return layers::make<nn::ConstantArithmetic>("subtract", Shape{4}, true); }, {{2, 4}}, {2, 4}, 0, 1},
      {"Clip", [] { return layers::make<nn::Clip>(-0.5, 0.7); }, {{7}}, {7}, 0, 0},
      {"HardSigmoid", [] { return layers::make<nn::ParametricActivation>("hard_sigmoid", 0.3, 0.4); }, {{7}}, {7}, 0, 0},
      {"HardSwish", [] { return layers::make<nn::ParametricActivation>("hard_swish", 0.0, 0.0); }, {{7}}, {7}, 0, 0},
      {"Selu", [] { return layers::make<nn::ParametricActivation>("selu", 1.5, 2.0); }, {{7}}, {7}, 0, 0},
      {"MatMul", [] { return layers::make<nn::MatMul>(); }, {{2, 3, 4}, {4, 5}}, {2, 3, 5}, 0, 0},
      {"PadReflect", [] { return layers::make<nn::Pad>(std::vector<std::array<std::int64_t, 2>>{{1, 0}, {2, 1}}, "reflect"); },
       {{3, 4}}, {4, 7}, 0, 0},
      {"PadEdge", [] { return layers::make<nn::Pad>(std::vector<std::array<std::int64_t, 2>>{{0, 2}, {1, 1}}, "edge"); }, {{3, 4}}, {5, 6}, 0, 0},
      {"PadConstant", [] { return layers::make<nn::Pad>(std::vector<std::array<std::int64_t, 2>>{{1, 1}}, "constant", 2.5); }, {{3}}, {5}, 0, 0},
      {"ReduceMean", [] { return layers::make<nn::Reduce>("mean", std::vector<std::int64_t>{2, 3}, true); }, {{3, 4, 5}}, {3, 1, 1}, 0, 0},
      {"ReduceSum", [] { return layers::make<nn::Reduce>("sum", std::vector<std::int64_t>{1}, false); }, {{3, 4}}, {4}, 0, 0},
      {"Slice", [] {
         return layers::make<nn::Slice>(std::vector<std::int64_t>{1, 2}, std::vector<std::int64_t>{1, -1},
                                        std::vector<std::int64_t>{3, -5}, std::vector<std::int64_t>{1, -2});
       }, {{4, 6}}, {2, 2}, 0, 0},
      {"Gather", [] { return layers::make<nn::Gather>(2, std::vector<std::int64_t>{2, 0, -1, 2}, Shape{2, 2}); }, {{3, 4}}, {3, 2, 2}, 0, 0},
      {"ResizeLinear", [] { return layers::make<nn::Resize>(nn::ResizeOptions().scales({1.0, 2.0, 1.5}).mode("linear")); },
       {{2, 3, 4}}, {2, 6, 6}, 0, 0},
      {"ResizeNearest", [] {
         return layers::make<nn::Resize>(nn::ResizeOptions().sizes({2, 2, 5}).coordinate_transformation_mode("asymmetric").nearest_mode("floor"));
       }, {{2, 4, 3}}, {2, 2, 5}, 0, 0},
  };
}

Shape with_batch(std::int64_t n, const Shape& s) {
  Shape out{n};
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

// Token indices 0..3 (as floats, what Embedding reads).
Tensor token_indices(const Shape& shape, DType dtype = DType::f32, Generator* gen = nullptr) {
  std::vector<double> v = Tensor::uniform(shape, 0, 4, DType::f64, gen).to_vector<double>();
  for (double& x : v) x = std::floor(x);
  return Tensor::from_vector(v, shape).to(dtype);
}

// A batch of inputs for the case: normal values, or token indices.
std::vector<Variable> inputs_for(const LayerCase& c, std::int64_t batch) {
  std::vector<Variable> inputs;
  for (const auto& s : c.input_shapes)
    inputs.emplace_back(c.integer_inputs ? token_indices(with_batch(batch, s)) : Tensor::normal(with_batch(batch, s), 0, 1));
  return inputs;
}

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
  std::vector<nn::SymbolicTensor> inputs;
  for (const auto& s : c.input_shapes) inputs.push_back(nn::Input(s));
  auto layer = c.make();
  auto h = inputs.size() == 1 ? (*layer)(inputs[0]) : (*layer)(inputs);
  auto out = layers::Dense(2)(layers::Flatten()(h));
  auto model = std::make_shared<models::Model>(inputs, out);

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
