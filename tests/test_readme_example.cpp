// The library examples in README.md, kept compiling and running (on small synthetic data).
#include <gtest/gtest.h>

#include <filesystem>

#include "strata/strata.h"

using namespace strata;

TEST(ReadmeExample, KerasWorkflow) {
  manual_seed(1);
  const Tensor x_train = Tensor::uniform({64, 1, 28, 28}, 0, 1), x_test = Tensor::uniform({16, 1, 28, 28}, 0, 1);
  std::vector<std::int64_t> labels(64);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int64_t>(i % 10);
  const Tensor y_train = Tensor::from_vector(labels, {64});
  const Tensor y_test = y_train.slice(0, 0, 16).contiguous();
  const auto dir = std::filesystem::temp_directory_path() / "strata_readme";
  std::filesystem::create_directories(dir);
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir);  // the example writes relative paths
  struct Restore {
    std::filesystem::path path;
    ~Restore() { std::filesystem::current_path(path); }
  } restore{previous};

  auto inputs = nn::Input({1, 28, 28});  // shapes exclude the batch axis; NCHW
  auto x = layers::Conv2D(32, 3, "relu", "same")(inputs);
  auto shortcut = x;
  x = layers::Conv2D(nn::Conv2DOptions(32, 3).padding("same"))(x);
  x = layers::BatchNormalization()(x);
  x = layers::Activation("relu")(layers::Add()({x, shortcut}));  // a residual block
  auto outputs = layers::Dense(10, "softmax")(layers::GlobalAveragePooling2D()(x));
  auto model = std::make_shared<models::Model>(inputs, outputs, "tiny_resnet");
  EXPECT_NE(model->summary().find("tiny_resnet"), std::string::npos);

  auto trainer = train::compile(model, "adam", "sparse_categorical_crossentropy", {"accuracy"});
  auto history = trainer.fit(x_train, y_train,
                             train::FitOptions().epochs(2).batch_size(16).validation_split(0.25).verbose(0).callbacks(
                                 {std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions{"val_loss", 0.0, 2}),
                                  std::make_shared<train::ModelCheckpoint>("best.strata", "val_loss", true)}));
  auto logs = trainer.evaluate(x_test, y_test);
  Tensor probabilities = trainer.predict(x_test);
  io::save_model("model.strata", *model, &trainer.optimizer(), trainer.training_config());
  auto resumed = train::restore(io::load_model("model.strata"));

  EXPECT_EQ(history.values["loss"].size(), 2u);
  EXPECT_TRUE(logs.count("accuracy"));
  EXPECT_EQ(probabilities.shape(), Shape({16, 10}));
  EXPECT_TRUE(std::filesystem::exists("best.strata"));
  EXPECT_EQ(resumed.optimizer().iterations(), trainer.optimizer().iterations());
}

TEST(ReadmeExample, OpsAndAutograd) {
  Variable x(Tensor::normal({8, 3, 32, 32}, 0, 1));
  Variable w(Tensor::normal({16, 3, 3, 3}, 0, 0.1), /*requires_grad=*/true);
  Variable b(Tensor::zeros({16}), true);
  Variable y = ops::relu(ops::conv2d(x, w, b, ops::ConvGeometry().stride(2).padding("same")));
  Variable loss = ops::softmax_cross_entropy(ops::flatten(ops::global_pool(y, kernels::PoolKind::avg, true)),
                                             Tensor::from_vector<std::int64_t>({0, 1, 2, 3, 4, 5, 6, 7}, {8}));
  loss.backward();
  EXPECT_EQ(y.shape(), Shape({8, 16, 16, 16}));
  EXPECT_EQ(w.grad().shape(), w.shape());
  EXPECT_GT(max(abs(w.grad())).item(), 0.0);
}
