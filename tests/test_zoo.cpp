// The model zoo: parameter counts equal the reference implementations', the options behave
// as Keras Applications', and the small-input variants run on 28x28 / 32x32 images.
#include <gtest/gtest.h>

#include "strata/io/pretrained.h"
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

// ---------------------------------------------------------------- against torchvision
namespace {

// tools/golden/make_zoo_golden.py's weights, computed here the same way (splitmix64 of the
// index and an FNV-1a hash of the weight's name), so no weight file is needed.
std::uint64_t name_hash(const std::string& name) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

double uniform(std::uint64_t hash, std::uint64_t i) {
  std::uint64_t x = i * 0x9E3779B97F4A7C15ULL + hash;
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return double(x >> 11) / double(1ULL << 53);
}

void fill_like_torchvision(models::Model& model) {
  for (const auto& nw : model.named_weights()) {
    Tensor& t = nw.weight->variable.mutable_value();
    const std::string kind = nw.name.substr(nw.name.rfind('/') + 1);
    const Shape& s = t.shape();
    const std::uint64_t h = name_hash(nw.name);
    double scale = 0.1, offset = 0.0;
    if (kind == "kernel" || kind == "depthwise_kernel") {
      const std::int64_t fan_in = s.size() == 2 ? s[0] : t.numel() / s[0];
      scale = std::sqrt(6.0 / double(fan_in));
    } else if (kind == "gamma" || kind == "moving_variance") {
      scale = 0.2, offset = 1.0;
    }
    float* p = t.data<float>();
    for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(offset + scale * (2.0 * uniform(h, std::uint64_t(i)) - 1.0));
  }
}

}  // namespace

TEST(Zoo, OutputsMatchTorchvisionWithTheSameWeights) {
  const auto golden = strata::testing::read_golden("torchvision_zoo_golden.json");
  Tensor x = Tensor::empty({1, 3, 224, 224});
  const std::uint64_t h = name_hash("input/image");
  for (std::int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = static_cast<float>(2.0 * uniform(h, std::uint64_t(i)) - 1.0);
  for (const auto& c : golden["cases"]) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    // torchvision's batch-norm epsilon; logits instead of probabilities.
    const auto model = models::zoo(name, models::ZooOptions().bn_epsilon(1e-5).classifier_activation("linear"));
    fill_like_torchvision(*model);
    NoGradGuard no_grad;
    const Tensor logits = model->call({Variable(x)}, false).value().reshape({1000});
    strata::testing::expect_close_to_golden(logits, {{"shape", {1000}}, {"data", c["logits"]}}, 1e-4, name + " logits");
  }
}

// ---------------------------------------------------------------- transfer-learning tools
#include "strata/io/model_io.h"
#include "strata/models/transfer.h"
#include "strata/train/training.h"

TEST(Transfer, CutNewHeadFreezeAndFrozenWeightsStayBitIdentical) {
  manual_seed(3);
  auto base = models::zoo("resnet_compact", models::ZooOptions().classes(10));
  EXPECT_EQ(base->output_shape(), (Shape{10}));
  auto features = models::cut_at(base, "layer2.1.relu");
  EXPECT_EQ(features->output_shape(), (Shape{32, 14, 14}));
  auto model = models::with_new_head(features, 3, 0.2);
  EXPECT_EQ(model->output_shape(), (Shape{3}));
  EXPECT_NO_THROW(model->get_layer("layer1.0.conv1"));  // the base's layers keep their names
  EXPECT_NE(strata::testing::error_of([&] { models::cut_at(base, "layer9"); }).find("layer9"), std::string::npos);
  EXPECT_NE(strata::testing::error_of([&] { models::set_trainable(*model, "nothing.*", false); }).find("no layer"),
            std::string::npos);

  const auto total = model->count_params();
  models::set_trainable(*model, ".*", false);
  EXPECT_EQ(model->count_trainable_params(), 0);
  models::set_trainable(*model, "head", true);
  EXPECT_EQ(model->count_trainable_params(), 32 * 3 + 3);
  EXPECT_EQ(model->count_params(), total);
  EXPECT_NE(model->summary().find("Trainable params: 99"), std::string::npos);
  const int frozen = models::freeze_up_to(*model, "layer1.1.relu");
  EXPECT_GT(frozen, 5);
  EXPECT_FALSE(model->get_layer("layer1.1.conv2")->trainable());
  EXPECT_TRUE(model->get_layer("layer2.0.conv1")->trainable());

  // Train with the first stage frozen: its weights (and its batch-norm statistics) do not move.
  std::vector<Tensor> before;
  for (const auto& nw : model->named_weights())
    if (nw.name.rfind("layer1.", 0) == 0 || nw.name.rfind("conv1/", 0) == 0 || nw.name.rfind("bn1/", 0) == 0)
      before.push_back(nw.weight->variable.value().clone());
  ASSERT_FALSE(before.empty());
  auto trainer = train::compile(model, "adam", "sparse_categorical_crossentropy", {"accuracy"});
  const Tensor x = Tensor::uniform({16, 1, 28, 28}, 0, 1);
  std::vector<std::int64_t> labels(16);
  for (int i = 0; i < 16; ++i) labels[i] = i % 3;
  trainer.fit(x, Tensor::from_vector(labels, {16}), train::FitOptions().epochs(2).batch_size(8).verbose(0));
  std::size_t k = 0;
  for (const auto& nw : model->named_weights())
    if (nw.name.rfind("layer1.", 0) == 0 || nw.name.rfind("conv1/", 0) == 0 || nw.name.rfind("bn1/", 0) == 0)
      EXPECT_EQ(nw.weight->variable.value().to_vector<float>(), before[k++].to_vector<float>()) << nw.name;
}

TEST(Transfer, LayerLearningRateMultipliers) {
  manual_seed(4);
  auto in = nn::Input({4});
  auto h = (*std::make_shared<nn::Dense>(nn::DenseOptions(3).activation("tanh").name("body")))(in);
  auto out = (*std::make_shared<nn::Dense>(nn::DenseOptions(2).name("head")))(h);
  auto model = std::make_shared<models::Model>(in, out);
  const auto m = models::layer_learning_rates(*model, {{"bo.*", 0.0}, {"head", 2.0}});
  EXPECT_EQ(m, (std::vector<double>{0, 0, 2, 2}));
  auto trainer = train::compile(model, "sgd", "mse", {}, 0.1);
  trainer.optimizer().set_learning_rate_multipliers(m);
  const Tensor body_before = model->get_layer("body")->weights()[0]->variable.value().clone();
  const Tensor head_before = model->get_layer("head")->weights()[0]->variable.value().clone();
  trainer.train_on_batch(Tensor::normal({8, 4}, 0, 1), Tensor::normal({8, 2}, 0, 1));
  EXPECT_EQ(model->get_layer("body")->weights()[0]->variable.value().to_vector<float>(), body_before.to_vector<float>());
  EXPECT_NE(model->get_layer("head")->weights()[0]->variable.value().to_vector<float>(), head_before.to_vector<float>());
  EXPECT_NE(strata::testing::error_of([&] { trainer.optimizer().set_learning_rate_multipliers({1.0}); }).find("1 learning-rate multipliers for 4"),
            std::string::npos);
}

#include "strata/train/callbacks.h"

TEST(Transfer, GradualUnfreezingRebindsTheOptimizer) {
  manual_seed(5);
  auto in = nn::Input({4});
  auto a = (*std::make_shared<nn::Dense>(nn::DenseOptions(6).activation("tanh").name("a")))(in);
  auto b = (*std::make_shared<nn::Dense>(nn::DenseOptions(6).activation("tanh").name("b")))(a);
  auto out = (*std::make_shared<nn::Dense>(nn::DenseOptions(2).name("head")))(b);
  auto model = std::make_shared<models::Model>(in, out);
  models::set_trainable(*model, ".*", false);
  models::set_trainable(*model, "head", true);
  auto trainer = train::compile(model, "adam", "mse", {}, 0.01);
  EXPECT_EQ(trainer.optimizer().parameters().size(), 2u);
  const Tensor a_before = model->get_layer("a")->weights()[0]->variable.value().clone();
  const Tensor b_before = model->get_layer("b")->weights()[0]->variable.value().clone();
  auto unfreeze = std::make_shared<train::GradualUnfreezing>(std::vector<std::string>{"a"}, 2);
  trainer.fit(Tensor::normal({32, 4}, 0, 1), Tensor::normal({32, 2}, 0, 1),
              train::FitOptions().epochs(4).batch_size(8).verbose(0).callbacks({unfreeze}));
  EXPECT_EQ(unfreeze->unfrozen_stages(), 1);
  EXPECT_EQ(trainer.optimizer().parameters().size(), 4u);  // b's kernel and bias joined at epoch 2
  EXPECT_EQ(model->get_layer("a")->weights()[0]->variable.value().to_vector<float>(), a_before.to_vector<float>());
  EXPECT_NE(model->get_layer("b")->weights()[0]->variable.value().to_vector<float>(), b_before.to_vector<float>());
}

#include "strata/data/idx.h"
#include "strata/tensor/math.h"

// The shipped pre-trained network loads by name and classifies Fashion-MNIST as stated
// (88.67 % on the whole test set; the first 1,000 images here).
TEST(Pretrained, ResnetFashionLoadsByNameAndClassifies) {
  const auto model = io::load_pretrained("resnet_fashion");
  EXPECT_EQ(model->input_shape(), (Shape{1, 28, 28}));
  const auto test = data::load_fashion_mnist("test");
  NoGradGuard no_grad;
  const Tensor p = model->call({Variable(test.images.slice(0, 0, 1000).contiguous())}, false).value();
  const auto predicted = argmax(p, 1).to_vector<std::int64_t>(), truth = test.labels.slice(0, 0, 1000).contiguous().to_vector<std::int64_t>();
  int correct = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) correct += predicted[i] == truth[i];
  EXPECT_GT(correct, 850);
  EXPECT_NE(strata::testing::error_of([] { io::load_pretrained("imagenet_giant"); }).find("expected resnet_fashion"), std::string::npos);
}
