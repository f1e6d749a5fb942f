// Sequential and functional models: building, lookup, freezing, nesting, summary, and a
// residual network trained end to end.
#include <gtest/gtest.h>

#include "strata/models/builtin.h"
#include "strata/models/zoo.h"
#include "strata/nn/layers.h"
#include "strata/train/training.h"
#include "strata/tensor/math.h"

using namespace strata;
using models::Model;
using models::Sequential;

namespace {
// A learnable toy task: class = which quadrant of the image is brightest.
std::pair<Tensor, Tensor> quadrant_data(std::int64_t n, std::uint64_t seed) {
  Generator gen(seed);
  Tensor x = Tensor::uniform({n, 1, 8, 8}, 0, 0.5, DType::f32, &gen);
  std::vector<std::int64_t> labels(n);
  for (std::int64_t i = 0; i < n; ++i) {
    labels[i] = static_cast<std::int64_t>(gen.below(4));
    const std::int64_t r = (labels[i] / 2) * 4, c = (labels[i] % 2) * 4;
    x.select(0, i).slice(1, r, r + 4).slice(2, c, c + 4).copy_(add(x.select(0, i).slice(1, r, r + 4).slice(2, c, c + 4), 0.5));
  }
  return {x, Tensor::from_vector(labels, {n})};
}
}  // namespace

TEST(Sequential, AddPopBuildAndSummary) {
  Sequential model;
  model.add(layers::Flatten()).add(layers::Dense(16, "relu")).add(layers::Dense(3));
  EXPECT_FALSE(model.built());
  EXPECT_EQ(model.pop()->type(), "Dense");
  model.add(layers::Dense(5, "softmax"));
  model.build_if_needed({{2, 4, 4}});
  EXPECT_EQ(model.output_shape(), Shape({5}));
  EXPECT_EQ(model.count_params(), 32 * 16 + 16 + 16 * 5 + 5);  // 613
  const std::string s = model.summary();
  for (const char* part : {"Layer (type)", "Output Shape", "Param #", "dense", "(None, 5)", "Total params: 613",
                           "Trainable params: 613", "Non-trainable params: 0"})
    EXPECT_NE(s.find(part), std::string::npos) << part << "\n" << s;
  EXPECT_THROW(model.add(layers::Dense(2)), Error);  // built: no more layers
}

// A label wider than its column wraps onto the next line; the other columns stay where the
// header puts them and no line is wider than the rules.
TEST(Sequential, SummaryWrapsLongLayerNames) {
  Sequential model({layers::Dense(nn::DenseOptions(4).name("encoder_0_self_attention_ffn_output")),
                    layers::Dense(nn::DenseOptions(2).name("a_name_of_forty_five_characters_without_space"))});
  model.build_if_needed({{3}});
  const std::string s = model.summary();
  EXPECT_NE(s.find(" encoder_0_self_attention_ffn_output  (None, 4)"), std::string::npos) << s;
  EXPECT_NE(s.find("\n (Dense)\n"), std::string::npos) << s;
  EXPECT_NE(s.find(" a_name_of_forty_five_characters_with (None, 2)"), std::string::npos) << s;
  EXPECT_NE(s.find("\n out_space (Dense)\n"), std::string::npos) << s;
  const std::size_t header_shape = s.find("Output Shape") - s.rfind('\n', s.find("Output Shape"));
  const std::size_t row = s.find("(None, 4)");
  EXPECT_EQ(row - s.rfind('\n', row), header_shape) << s;
  std::size_t begin = 0;
  for (std::size_t end; (end = s.find('\n', begin)) != std::string::npos; begin = end + 1)
    EXPECT_LE(end - begin, 79u) << s.substr(begin, end - begin);
}

TEST(Sequential, WrongInputShapeNamesTheLayer) {
  auto model = models::builtin_model("small_cnn", {1, 28, 28}, 10);
  try {
    model->forward_batch(Variable(Tensor::zeros({2, 3, 28, 28})), false);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[1,28,28]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[3,28,28]"), std::string::npos) << e.what();
  }
}

TEST(Functional, ResidualBlockTrainsEndToEnd) {
  manual_seed(3);
  auto inputs = nn::Input({1, 8, 8});
  auto x = layers::Conv2D(8, 3, "relu", "same")(inputs);
  auto shortcut = x;
  auto y = layers::Conv2D(nn::Conv2DOptions(8, 3).padding("same"))(x);
  y = layers::BatchNormalization()(y);
  y = layers::Activation("relu")(layers::Add()({y, shortcut}));
  auto outputs = layers::Dense(4, "softmax")(layers::GlobalAveragePooling2D()(y));
  auto model = std::make_shared<Model>(inputs, outputs, "resnet_toy");
  EXPECT_EQ(model->layers().size(), 8u);
  auto [xs, ys] = quadrant_data(512, 1);
  auto trainer = train::compile(model, "adam", "sparse_categorical_crossentropy", {"accuracy"}, 0.01);
  auto history = trainer.fit(xs, ys, train::FitOptions().epochs(6).batch_size(32).verbose(0).validation_split(0.25));
  EXPECT_LT(history.values["loss"].back(), history.values["loss"].front());
  EXPECT_GT(history.values["val_accuracy"].back(), 0.8);
  EXPECT_EQ(history.epochs.size(), 6u);
}

TEST(Functional, NestedModelFreezingAndLookup) {
  manual_seed(4);
  auto inner_in = nn::Input({6});
  auto inner = std::make_shared<Model>(inner_in, layers::Dense(4, "relu")(inner_in), "backbone");
  auto in = nn::Input({6});
  auto out = layers::Dense(2)((*inner)(in));
  auto model = std::make_shared<Model>(in, out, "classifier");
  EXPECT_EQ(model->count_params(), 6 * 4 + 4 + 4 * 2 + 2);
  auto named = model->named_weights();
  ASSERT_EQ(named.size(), 4u);
  EXPECT_EQ(named[0].name.rfind("backbone/dense", 0), 0u) << named[0].name;
  EXPECT_THROW(model->get_layer("nope"), Error);
  // Freezing the backbone: its weights stop changing, the head keeps training.
  model->get_layer("backbone")->set_trainable(false);
  EXPECT_EQ(model->count_trainable_params(), 4 * 2 + 2);
  const Tensor frozen_before = named[0].weight->variable.value().clone();
  const Tensor head_before = named[2].weight->variable.value().clone();
  auto trainer = train::compile(model, "sgd", "mse", {}, 0.1);
  trainer.fit(Tensor::normal({32, 6}, 0, 1), Tensor::normal({32, 2}, 0, 1), train::FitOptions().epochs(2).verbose(0));
  EXPECT_EQ(max_abs_diff(named[0].weight->variable.value(), frozen_before), 0.0);
  EXPECT_GT(max_abs_diff(named[2].weight->variable.value(), head_before), 0.0);
}

TEST(Functional, ConfigRoundTripRebuildsTheGraph) {
  manual_seed(6);
  auto a = nn::Input({3});
  auto b1 = layers::Dense(4, "relu")(a);
  auto b2 = layers::Dense(4, "tanh")(a);
  auto merged = layers::Concatenate(1)({b1, b2});
  auto model = std::make_shared<Model>(a, layers::Dense(1)(merged), "two_branch");
  auto copy = models::model_from_config(model->config());
  EXPECT_EQ(copy->config().dump(), model->config().dump());
  EXPECT_EQ(copy->count_params(), model->count_params());
}

TEST(Training, PredictEvaluateAndClassWeights) {
  manual_seed(8);
  auto [xs, ys] = quadrant_data(256, 2);
  auto model = models::builtin_model("mlp", {1, 8, 8}, 4);
  auto trainer = train::compile(model, "adam", "sparse_categorical_crossentropy", {"accuracy"});
  train::FitOptions o;
  o.epochs(3).batch_size(16).verbose(0).class_weight({{0, 2.0}, {1, 1.0}});
  trainer.fit(xs, ys, o);
  const Tensor p = trainer.predict(xs);
  EXPECT_EQ(p.shape(), Shape({256, 4}));
  EXPECT_NEAR(sum(p).item(), 256.0, 1e-2);  // softmax rows
  const auto logs = trainer.evaluate(xs, ys);
  EXPECT_TRUE(logs.count("loss") && logs.count("accuracy"));
  EXPECT_THROW(trainer.fit(xs, ys.slice(0, 0, 10)), Error);
  EXPECT_THROW(train::compile(model, "adam", "hinge"), Error);
  EXPECT_THROW(train::compile(model, "lbfgs", "mse"), Error);
}

TEST(UpdateBatchNorm, MovingStatisticsBecomeThePlainAverageOfTheBatches) {
  // Two batches with different statistics: the EMA (momentum 0.99) barely moves from (0, 1);
  // update_batch_norm gives the equal-weight average of the batch means and unbiased variances.
  auto x = nn::Input({2, 3, 3});
  auto bn = std::make_shared<nn::BatchNormalization>();
  auto m = std::make_shared<models::Model>(x, (*bn)(x));
  const Tensor data = Tensor::normal({8, 2, 3, 3}, 5.0, 2.0);
  train::update_batch_norm(*m, data, 4);
  const Tensor a = data.slice(0, 0, 4), b = data.slice(0, 4, 8);
  auto unbiased_var = [](const Tensor& t) {
    const Tensor d = t - mean(t, {0, 2, 3}, true);
    return mean(d * d, {0, 2, 3}) * (36.0 / 35.0);
  };
  const Tensor expected_mean = (mean(a, {0, 2, 3}) + mean(b, {0, 2, 3})) * 0.5;
  const Tensor expected_var = (unbiased_var(a) + unbiased_var(b)) * 0.5;
  Tensor moving_mean, moving_var;
  for (auto* w : bn->weights()) {
    if (w->name == "moving_mean") moving_mean = w->variable.value();
    if (w->name == "moving_variance") moving_var = w->variable.value();
  }
  EXPECT_LT(max_abs_diff(moving_mean, expected_mean), 1e-4);
  EXPECT_LT(max_abs_diff(moving_var, expected_var), 1e-3);
  // Afterwards training-mode calls use the layer's momentum again.
  m->call({Variable(data)}, true);
  EXPECT_LT(max_abs_diff(moving_mean, expected_mean), 0.05);
}

TEST(InferenceFusion, FusedConvBatchNormActivationEqualsTheLayers) {
  // Zoo networks with random batch-norm statistics: inference under NoGradGuard runs fused
  // conv + batch norm + ReLU/ReLU6 groups (and folds the zero padding); the outputs must equal
  // the layer-by-layer ones (training off, gradients on: no fusion).
  for (const std::string name : {"mobilenet_v2", "resnet18"}) {
    auto m = models::zoo(name, models::ZooOptions().input_shape({3, 64, 64}).classes(10).classifier_activation(""));
    for (auto& nw : m->named_weights()) {
      Tensor& v = nw.weight->variable.mutable_value();
      if (nw.name.find("moving_variance") != std::string::npos) v.copy_(Tensor::uniform(v.shape(), 0.5, 2.0));
      else if (nw.name.find("moving_mean") != std::string::npos || nw.name.find("beta") != std::string::npos)
        v.copy_(Tensor::uniform(v.shape(), -0.3, 0.3));
      else if (nw.name.find("gamma") != std::string::npos) v.copy_(Tensor::uniform(v.shape(), 0.5, 1.5));
    }
    const Tensor x = Tensor::uniform({2, 3, 64, 64}, -1, 1);
    const Tensor layer_by_layer = m->call({Variable(x)}, false).value();
    NoGradGuard no_grad;
    const Tensor fused = m->call({Variable(x)}, false).value();
    const double scale = max_abs_diff(layer_by_layer, Tensor::zeros(layer_by_layer.shape()));
    EXPECT_GT(scale, 1e-3) << name;
    EXPECT_LT(max_abs_diff(fused, layer_by_layer) / scale, 1e-5) << name;
    EXPECT_GT(models::InferencePlan(m->graph_nodes(), {m->graph_output().get()}).fused_groups(), 15u) << name;
  }
}
