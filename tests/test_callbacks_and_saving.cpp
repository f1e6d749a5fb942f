// Callbacks on scripted logs, saving and loading (bit-identical predictions, clear errors,
// nothing half-loaded, atomic writes), and resuming training from a checkpoint exactly.
#include <gtest/gtest.h>

#include "test_helpers.h"

#include <filesystem>
#include <fstream>

#include "strata/io/model_io.h"
#include "strata/io/tensor_file.h"
#include "strata/models/builtin.h"
#include "strata/nn/layers.h"
#include "strata/tensor/math.h"
#include "strata/train/callbacks.h"

using namespace strata;
using strata::testing::error_of;
namespace fs = std::filesystem;

namespace {
std::string temp_path(const std::string& name) { return (fs::temp_directory_path() / ("strata_cb_" + name)).string(); }

std::shared_ptr<models::Model> tiny_model() {
  return std::make_shared<models::Sequential>(Shape{4}, std::vector<nn::LayerPtr>{layers::Dense(3, "relu"), layers::Dense(2)});
}

train::Trainer tiny_trainer() { return train::compile(tiny_model(), "sgd", "mse", {}, 0.1); }

}  // namespace

TEST(Callbacks, EarlyStoppingStopsAtTheRightEpochAndRestoresTheBest) {
  auto trainer = tiny_trainer();
  train::EarlyStopping early({"val_loss", 0.0, 2, train::Mode::automatic, true});
  early.on_train_begin(trainer);
  const std::vector<double> scripted = {1.0, 0.8, 0.5, 0.6, 0.55, 0.7, 0.4};
  auto first = trainer.model().weights()[0];
  Tensor best_weights;
  int stopped_at = -1;
  for (int epoch = 0; epoch < static_cast<int>(scripted.size()); ++epoch) {
    first->variable.mutable_value().fill_(epoch);  // "training" changes the weights each epoch
    train::Logs logs{{"val_loss", scripted[epoch]}};
    early.on_epoch_end(trainer, epoch, logs);
    if (trainer.stop_training) {
      stopped_at = epoch;
      break;
    }
  }
  EXPECT_EQ(stopped_at, 4);  // best at epoch 2 (0.5); epochs 3 and 4 do not improve: patience 2 is used up
  EXPECT_EQ(early.best_epoch(), 2);
  early.on_train_end(trainer);
  EXPECT_DOUBLE_EQ(first->variable.value().at({0, 0}), 2.0);  // weights of epoch 2
}

TEST(Callbacks, EarlyStoppingInFitAndModeMax) {
  auto trainer = tiny_trainer();
  auto early = std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions{"loss", 10.0, 1});
  // min_delta 10 means nothing counts as an improvement after the first epoch.
  auto history = trainer.fit(Tensor::normal({16, 4}, 0, 1), Tensor::normal({16, 2}, 0, 1),
                             train::FitOptions().epochs(10).verbose(0).callbacks({early}));
  EXPECT_EQ(history.epochs.size(), 2u);
  EXPECT_EQ(early->stopped_epoch(), 1);
  train::Monitor acc("val_accuracy", train::Mode::automatic, 0.0);
  acc.record(0.5);
  EXPECT_TRUE(acc.improved(0.6));
  EXPECT_FALSE(acc.improved(0.4));
}

TEST(Callbacks, ReduceLROnPlateauSchedulerCsvAndNaN) {
  auto trainer = tiny_trainer();
  train::ReduceLROnPlateau plateau("val_loss", 0.5, 2);
  for (int epoch = 0; epoch < 4; ++epoch) {
    train::Logs logs{{"val_loss", 1.0}};
    plateau.on_epoch_end(trainer, epoch, logs);
  }
  EXPECT_DOUBLE_EQ(trainer.optimizer().learning_rate(), 0.05);  // epoch 0 sets the best; 1 and 2 wait; reduced once

  train::LearningRateScheduler scheduler([](int epoch, double) { return 0.1 / (epoch + 1); });
  scheduler.on_epoch_begin(trainer, 3);
  EXPECT_DOUBLE_EQ(trainer.optimizer().learning_rate(), 0.025);

  const auto csv = temp_path("log.csv");
  auto logger = std::make_shared<train::CSVLogger>(csv);
  trainer.fit(Tensor::normal({8, 4}, 0, 1), Tensor::normal({8, 2}, 0, 1), train::FitOptions().epochs(2).verbose(0).callbacks({logger}));
  std::ifstream in(csv);
  std::string header, row1, row2;
  std::getline(in, header);
  std::getline(in, row1);
  std::getline(in, row2);
  EXPECT_EQ(header, "epoch,learning_rate,loss");
  EXPECT_EQ(row2.substr(0, 2), "1,");

  train::TerminateOnNaN nan;
  nan.on_batch_end(trainer, 0, {{"loss", std::nan("")}});
  EXPECT_TRUE(trainer.stop_training);
}

TEST(Saving, LoadedModelPredictsBitIdentically) {
  manual_seed(11);
  auto model = models::builtin_model("small_cnn", {1, 12, 12}, 3);
  const Tensor x = Tensor::normal({5, 1, 12, 12}, 0, 1);
  const auto path = temp_path("cnn.strata");
  io::save_model(path, *model);
  auto loaded = io::load_model(path);
  NoGradGuard no_grad;
  EXPECT_EQ(model->forward_batch(Variable(x), false).value().to_vector<float>(),
            loaded.model->forward_batch(Variable(x), false).value().to_vector<float>());
  EXPECT_EQ(loaded.model->summary(), model->summary());
  // weights-only files load into a model built the same way
  const auto weights = temp_path("cnn.weights");
  io::save_weights(weights, *model);
  auto other = models::builtin_model("small_cnn", {1, 12, 12}, 3);
  io::load_weights(weights, *other);
  EXPECT_EQ(model->forward_batch(Variable(x), false).value().to_vector<float>(),
            other->forward_batch(Variable(x), false).value().to_vector<float>());
}

TEST(Saving, BadFilesGiveClearErrorsAndLeaveTheModelUntouched) {
  manual_seed(12);
  auto model = tiny_model();
  const auto path = temp_path("tiny.strata");
  io::save_model(path, *model);
  // truncated
  const auto bytes = fs::file_size(path);
  fs::copy_file(path, temp_path("truncated.strata"), fs::copy_options::overwrite_existing);
  fs::resize_file(temp_path("truncated.strata"), bytes - 7);
  EXPECT_NE(error_of([&] { io::load_model(temp_path("truncated.strata")); }).find("truncated"), std::string::npos);
  // corrupt header
  {
    std::fstream f(temp_path("truncated.strata"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(9);
    f.write("!!!!", 4);
  }
  EXPECT_NE(error_of([&] { io::load_model(temp_path("truncated.strata")); }).find("corrupt"), std::string::npos);
  // mismatched architecture: all problems listed, nothing assigned
  auto wider = std::make_shared<models::Sequential>(Shape{4}, std::vector<nn::LayerPtr>{layers::Dense(5, "relu"), layers::Dense(2)});
  const Tensor before = wider->weights()[0]->variable.value().clone();
  const std::string message = error_of([&] { io::load_weights(path, *wider); });
  EXPECT_NE(message.find("mis-shaped"), std::string::npos) << message;
  EXPECT_NE(message.find("[4,3]"), std::string::npos) << message;
  EXPECT_NE(message.find("left unchanged"), std::string::npos) << message;
  EXPECT_EQ(max_abs_diff(wider->weights()[0]->variable.value(), before), 0.0);
  EXPECT_NE(error_of([&] { io::load_model("/nonexistent/model.strata"); }).find("cannot open"), std::string::npos);
}

TEST(Saving, WritesAreAtomic) {
  auto model = tiny_model();
  const auto path = temp_path("atomic.strata");
  io::save_model(path, *model);
  const auto good_size = fs::file_size(path);
  // A save that cannot complete (here the target is a non-empty folder, so the final rename
  // fails) raises an error, removes its temporary file and touches no other file.
  const auto blocked = temp_path("blocked_dir");
  fs::create_directories(blocked + "/inside");
  EXPECT_THROW(io::save_model(blocked, *model), Error);
  EXPECT_EQ(fs::file_size(path), good_size);
  io::load_model(path);  // still loads
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path()))
    EXPECT_EQ(entry.path().filename().string().find(".strata_cb_blocked_dir.tmp"), std::string::npos);
}

TEST(Saving, ResumedTrainingMatchesUninterruptedTrainingExactly) {
  Generator data_gen(21);
  const Tensor x = Tensor::uniform({96, 1, 8, 8}, 0, 1, DType::f32, &data_gen);
  std::vector<std::int64_t> labels(96);
  for (auto& l : labels) l = static_cast<std::int64_t>(data_gen.below(3));
  const Tensor y = Tensor::from_vector(labels, {96});
  auto options = [] { return train::FitOptions().batch_size(16).verbose(0); };

  manual_seed(33);
  auto straight = train::compile(models::builtin_model("small_cnn", {1, 8, 8}, 3), "adam",
                                 "sparse_categorical_crossentropy", {"accuracy"});
  straight.fit(x, y, options().epochs(3));

  manual_seed(33);
  auto first_half = train::compile(models::builtin_model("small_cnn", {1, 8, 8}, 3), "adam",
                                   "sparse_categorical_crossentropy", {"accuracy"});
  const auto checkpoint = temp_path("resume_{epoch}.strata");
  first_half.fit(x, y, options().epochs(1).callbacks({std::make_shared<train::ModelCheckpoint>(checkpoint, "loss")}));
  manual_seed(999);  // whatever happens in between must not matter
  auto resumed = train::restore(io::load_model(temp_path("resume_1.strata")));
  resumed.fit(x, y, options().epochs(3).initial_epoch(1));

  const auto a = straight.model().weights(), b = resumed.model().weights();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(a[i]->variable.value().to_vector<float>(), b[i]->variable.value().to_vector<float>()) << a[i]->name;
}
