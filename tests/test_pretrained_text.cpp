// The shipped pre-trained text encoder (pretrained/text/fortunes: tools/pretrain/fortunes_encoder.sh)
// loads with its tokenizer, records its pre-training, and has learnt English: on common sayings
// its masked-token perplexity is far below a guess over the vocabulary.
#include <gtest/gtest.h>

#include <cmath>

#include "test_helpers.h"

#include "strata/io/model_io.h"
#include "strata/ops/ops.h"
#include "strata/tensor/math.h"
#include "strata/tensor/random.h"
#include "strata/text/masked_lm.h"
#include "strata/text/tokenizer.h"

using namespace strata;

namespace {

const std::string folder = std::string(STRATA_TEST_DATA_DIR) + "/../pretrained/text/fortunes";

// Common sayings, typed for this test (the fortune files may hold some of them in other words).
const std::vector<std::string> sentences = {
    "The best way to predict the future is to invent it.",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Never put off until tomorrow what you can do the day after tomorrow.",
    "The man who knows how will always have a job, but the man who knows why will be his boss.",
    "Money is not everything, but it is a long way ahead of whatever comes next.",
    "If you want to make an apple pie from scratch, you must first invent the universe.",
    "There are two kinds of people in the world: those who finish what they start and",
    "The government is the only thing that can take your money and call it a service.",
    "Love is a song that the heart sings when nobody else is listening.",
    "A scientist is a person who asks questions that nobody else thought of asking.",
    "It is easier to get forgiveness than permission, as every programmer knows.",
    "Work expands so as to fill the time available for its completion.",
    "The art of life is to know when to stop and when to keep going.",
    "He who laughs last did not get the joke the first time.",
    "Nothing is as permanent as a temporary solution that works.",
    "You can lead a horse to water, but you cannot make it drink.",
};

}  // namespace

TEST(PretrainedText, FortunesEncoderLoadsWithItsTokenizerAndPredictsMaskedWords) {
  const auto tok = text::Tokenizer::load(folder + "/tokenizer.model");
  auto loaded = io::load_model(folder + "/pretrained_mlm.strata");
  ASSERT_TRUE(loaded.training_config.contains("pretraining"));
  const nlohmann::json& record = loaded.training_config["pretraining"];
  const std::int64_t length = record.at("length");
  EXPECT_EQ(record.at("held_out_fingerprint").get<std::string>().size(), 16u);
  EXPECT_EQ(loaded.model->input_shape(), Shape({length}));
  const std::int64_t V = tok.vocabulary_size();
  EXPECT_EQ(loaded.model->output_shape(), Shape({length, V}));
  (void)loaded.model->output_of(record.at("features_layer").get<std::string>());  // the fine-tuning point exists

  // Every token of every sentence masked, a few per row, seeded.
  const Tensor ids = tok.encode_batch(sentences, length);
  Generator gen(7);
  const auto masked = text::mask_tokens(ids, text::MaskingOptions::for_tokenizer(tok), gen);
  NoGradGuard no_grad;
  const Variable logits = loaded.model->call({Variable(masked.inputs)}, false);
  const double loss = ops::sparse_crossentropy_ignoring(logits, masked.targets, -1, true).value().item();
  const auto predicted = argmax(logits.value(), -1).to_vector<std::int64_t>();
  const auto targets = masked.targets.to_vector<std::int64_t>();
  double correct = 0, count = 0;
  for (std::size_t i = 0; i < targets.size(); ++i)
    if (targets[i] != -1) correct += predicted[i] == targets[i], count += 1;
  ASSERT_GT(count, 10);
  const double perplexity = std::exp(loss);
  std::printf("shipped fortunes encoder on %zu new sentences: %.0f masked tokens, perplexity %.1f, accuracy %.3f\n",
              sentences.size(), count, perplexity, correct / count);
  // A guess over the vocabulary has perplexity V (2,000), and an untrained encoder of this
  // architecture measured 2,192 on the fortunes' validation split; the shipped one gives about
  // 88 and 32 % here.
  EXPECT_LT(perplexity, 500.0);
  EXPECT_GT(correct / count, 0.15);
}
