// A text classifier saved with its tokenizer: the model file names the tokenizer (beside it)
// and the sequence length, both survive a save/load, and a missing tokenizer or a model that
// reads tensors is a clear error. With STRATA_TEXT_MODEL_DIR set the files stay there, for the
// `strata predict --text` CLI test (tests/CMakeLists.txt: cli.predict_text).
#include <gtest/gtest.h>

#include <filesystem>

#include "test_helpers.h"

#include "strata/io/model_io.h"
#include "strata/nn/layers.h"
#include "strata/nn/layers/pooling.h"
#include "strata/tensor/math.h"
#include "strata/tensor/random.h"
#include "strata/text/tokenizer.h"
#include "strata/train/training.h"

using namespace strata;
namespace fs = std::filesystem;

namespace {

// Two topics with disjoint words, so a bag-of-embeddings model separates them in a few epochs.
std::vector<std::string> topic_texts(const std::vector<std::string>& words, std::uint64_t seed, int count) {
  Generator gen(seed);
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    std::string s;
    for (int w = 0; w < 6; ++w) s += (w ? " " : "") + words[gen.below(words.size())];
    out.push_back(s);
  }
  return out;
}

const std::vector<std::string> tech = {"computer", "program", "bugs", "compiler", "debugging", "kernel", "software"};
const std::vector<std::string> arts = {"art", "poem", "painting", "finished", "song", "violets", "canvas"};

}  // namespace

TEST(TextModelFile, ClassifierSavedWithItsTokenizerReadsTextAfterLoading) {
  manual_seed(5);
  const char* keep = std::getenv("STRATA_TEXT_MODEL_DIR");
  const fs::path dir = keep ? fs::path(keep) : fs::temp_directory_path() / "strata_text_model_file";
  fs::create_directories(dir);
  std::vector<std::string> texts = topic_texts(tech, 1, 60);
  for (auto& t : topic_texts(arts, 2, 60)) texts.push_back(t);
  const auto tok = text::Tokenizer::train(texts, text::TokenizerOptions().vocab_size(60));
  tok.save((dir / "tokenizer.model").string());

  const std::int64_t length = 10;
  const Tensor x = tok.encode_batch(texts, length);
  std::vector<std::int64_t> y(texts.size(), 0);
  for (std::size_t i = 60; i < y.size(); ++i) y[i] = 1;
  const Tensor labels = Tensor::from_vector(y, {static_cast<std::int64_t>(y.size())});
  auto ids = nn::Input({length});
  auto h = layers::GlobalAveragePooling1D()(layers::Embedding(tok.vocabulary_size(), 8)(ids));
  auto model = std::make_shared<models::Model>(ids, layers::Dense(2, "softmax")(h), "topics");
  auto trainer = train::compile(model, "adam", "sparse_categorical_crossentropy", {"accuracy"});
  // Labels as floats are a clear error naming the fix (Keras casts them; Strata asks).
  const std::string float_labels = strata::testing::error_of(
      [&] { trainer.fit(x, labels.to(DType::f32), train::FitOptions().epochs(1).verbose(0)); });
  EXPECT_NE(float_labels.find("class indices must be integers (i64) but got f32"), std::string::npos) << float_labels;
  trainer.fit(x, labels, train::FitOptions().epochs(40).batch_size(16).verbose(0));

  io::ModelMetadata meta;
  meta.class_names = {"tech", "arts"};
  meta.tokenizer = "tokenizer.model";
  meta.sequence_length = length;
  nlohmann::json config = nlohmann::json::object();
  meta.write_to(config);
  const std::string path = (dir / "classifier.strata").string();
  io::save_model(path, *model, nullptr, config);
  io::save_model((dir / "plain.strata").string(), *model);  // reads tensors: no tokenizer named

  auto loaded = io::load_model(path);
  EXPECT_TRUE(loaded.metadata.reads_text());
  EXPECT_EQ(loaded.metadata.sequence_length, length);
  EXPECT_EQ(loaded.metadata.class_names, meta.class_names);
  EXPECT_EQ(fs::path(loaded.metadata.tokenizer_path(path)), dir / "tokenizer.model");
  // The reloaded tokenizer and model give the trained model's answers, and they are right.
  const auto tok_back = text::Tokenizer::load(loaded.metadata.tokenizer_path(path));
  const std::vector<std::string> unseen = {"the compiler has bugs", "a poem about violets"};
  const Tensor probabilities = train::restore(std::move(loaded)).predict(tok_back.encode_batch(unseen, length));
  EXPECT_LT(max_abs_diff(probabilities, trainer.predict(tok.encode_batch(unseen, length))), 1e-6);
  const auto predicted = argmax(probabilities, -1).to_vector<std::int64_t>();
  EXPECT_EQ(predicted, (std::vector<std::int64_t>{0, 1}));

  EXPECT_FALSE(io::load_model((dir / "plain.strata").string()).metadata.reads_text());
  if (!keep) fs::remove_all(dir);
}

TEST(TextModelFile, MissingTokenizerAndMissingLengthAreClearErrors) {
  io::ModelMetadata meta;
  meta.tokenizer = "tokenizer.model";
  const std::string no_length = strata::testing::error_of([&] {
    nlohmann::json config = nlohmann::json::object();
    meta.write_to(config);
  });
  EXPECT_NE(no_length.find("needs its sequence length"), std::string::npos) << no_length;
  const std::string missing = strata::testing::error_of([&] { meta.tokenizer_path("/nonexistent/m.strata"); });
  EXPECT_NE(missing.find("expected beside it at '/nonexistent/tokenizer.model', which does not exist"), std::string::npos)
      << missing;
  const std::string tensors = strata::testing::error_of([] { io::ModelMetadata().tokenizer_path("m.strata"); });
  EXPECT_NE(tensors.find("reads tensors, not text"), std::string::npos) << tensors;
}
