// compile() with Keras' ignore_class: a sequence tagger ([N, T, C] logits, labels [N, T]) whose
// padding positions are labelled -1 learns from the real positions only, the trainer's loss is
// ops::sparse_crossentropy_ignoring's, ignore_class survives a save and restore, and it is a
// clear error with a loss it does not belong to.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_helpers.h"

#include "strata/io/model_io.h"
#include "strata/nn/layers.h"
#include "strata/tensor/math.h"
#include "strata/tensor/random.h"
#include "strata/train/training.h"

using namespace strata;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t vocab = 12, steps = 8, classes = 3;

// Token ids 1..11 with a random number of trailing padding tokens (0); the tag of token t is
// t % 3, and padding is labelled -1.
std::pair<Tensor, Tensor> tagging_data(std::int64_t n, std::uint64_t seed) {
  Generator gen(seed);
  std::vector<float> ids;
  std::vector<std::int64_t> tags;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto real = 2 + static_cast<std::int64_t>(gen.below(steps - 1));
    for (std::int64_t t = 0; t < steps; ++t) {
      const auto id = t < real ? 1 + static_cast<std::int64_t>(gen.below(vocab - 1)) : 0;
      ids.push_back(static_cast<float>(id));
      tags.push_back(id == 0 ? -1 : id % classes);
    }
  }
  return {Tensor::from_vector(ids, {n, steps}), Tensor::from_vector(tags, {n, steps})};
}

}  // namespace

TEST(IgnoreClass, SequenceTaggerLearnsFromRealPositionsOnlyAndKeepsItThroughSaving) {
  manual_seed(3);
  auto ids = nn::Input({steps});
  auto logits = layers::Dense(classes)(layers::Embedding(vocab, 8)(ids));  // [N, T, C]
  auto model = std::make_shared<models::Model>(ids, logits, "tagger");
  auto trainer = train::compile(
      model, "adam", {train::OutputLoss{"sparse_categorical_crossentropy", {}, 1.0, /*from_logits=*/true, /*ignore_class=*/-1}},
      0.05);
  const auto [x, y] = tagging_data(256, 1);
  const double before = trainer.evaluate(x, y).at("loss");
  trainer.fit(x, y, train::FitOptions().epochs(15).batch_size(32).verbose(0));
  const double after = trainer.evaluate(x, y).at("loss");
  EXPECT_LT(after, 0.1 * before) << before << " -> " << after;

  // The trainer's loss is the mean over the real positions.
  const Tensor out = trainer.predict(x);
  const double direct = ops::sparse_crossentropy_ignoring(Variable(out), y, -1, true).value().item();
  EXPECT_NEAR(after, direct, 1e-5 * std::max(1.0, direct));
  // Every real position is tagged right; padding positions were never taught.
  const auto predicted = argmax(out, -1).to_vector<std::int64_t>(), tags = y.to_vector<std::int64_t>();
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < tags.size(); ++i) wrong += tags[i] != -1 && predicted[i] != tags[i];
  EXPECT_EQ(wrong, 0u);

  const auto path = fs::temp_directory_path() / "strata_ignore_class.strata";
  io::save_model(path.string(), *model, &trainer.optimizer(), trainer.training_config());
  EXPECT_EQ(trainer.training_config().at("ignore_class"), -1);
  auto restored = train::restore(io::load_model(path.string()));
  EXPECT_NEAR(restored.evaluate(x, y).at("loss"), after, 1e-6);
  fs::remove(path);
}

TEST(IgnoreClass, OnlyWithSparseCategoricalCrossentropy) {
  const std::string mse = strata::testing::error_of([] { train::loss_by_name("mse", false, 0.0, -1); });
  EXPECT_NE(mse.find("ignore_class goes with sparse_categorical_crossentropy"), std::string::npos) << mse;
  const std::string smoothing =
      strata::testing::error_of([] { train::loss_by_name("sparse_categorical_crossentropy", true, 0.1, -1); });
  EXPECT_NE(smoothing.find("does not combine with label smoothing"), std::string::npos) << smoothing;
}
