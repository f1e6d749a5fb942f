// text::Tokenizer over SentencePiece: ids of padding, unknown and special tokens; encode/decode
// round trips; batches with [CLS]/[SEP]/padding and truncation; save/load; deterministic
// training; unigram and BPE; bad files and options are clear errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_helpers.h"

#include "strata/tensor/random.h"
#include "strata/text/tokenizer.h"

using namespace strata;
namespace fs = std::filesystem;

namespace {

// Sentences drawn from a small vocabulary, so a few hundred subword pieces cover them.
std::vector<std::string> corpus() {
  const std::vector<std::string> words = {"the", "computer", "science", "of", "fortune", "cookies", "says",
                                          "art", "is", "never", "finished", "only", "abandoned", "politics",
                                          "program", "programs", "programming", "bugs", "debugging", "and"};
  Generator gen(3);
  std::vector<std::string> out;
  for (int i = 0; i < 400; ++i) {
    std::string s;
    const auto n = 4 + gen.below(8);
    for (std::uint64_t w = 0; w < n; ++w) s += (w ? (gen.below(6) == 0 ? "\n  " : " ") : "") + words[gen.below(words.size())];
    out.push_back(s + ".");
  }
  return out;
}

const text::Tokenizer& trained() {
  static const text::Tokenizer tok = text::Tokenizer::train(corpus(), text::TokenizerOptions().vocab_size(120));
  return tok;
}

}  // namespace

TEST(Tokenizer, ReservedIdsAndSpecialTokens) {
  const auto& tok = trained();
  EXPECT_EQ(tok.piece(text::Tokenizer::pad_id), "[PAD]");
  EXPECT_EQ(tok.piece(text::Tokenizer::unknown_id), "<unk>");
  EXPECT_EQ(tok.cls_id(), 2);
  EXPECT_EQ(tok.sep_id(), 3);
  EXPECT_EQ(tok.mask_id(), 4);
  EXPECT_EQ(tok.special_count(), 3);
  EXPECT_LE(tok.vocabulary_size(), 120);
  EXPECT_GT(tok.vocabulary_size(), 30);
  EXPECT_NE(strata::testing::error_of([&] { tok.token_id("[NOPE]"); }).find("no token \"[NOPE]\""), std::string::npos);
}

TEST(Tokenizer, EncodeDecodeRoundTrip) {
  const auto& tok = trained();
  const std::string text = "the  computer\nsays programming is never finished.";
  const auto ids = tok.encode(text);
  ASSERT_FALSE(ids.empty());
  for (auto id : ids) {
    EXPECT_GE(id, 2 + tok.special_count());
    EXPECT_LT(id, tok.vocabulary_size());
  }
  EXPECT_EQ(tok.decode(ids), text::normalize_whitespace(text));
  // Pieces join back to the text (SentencePiece's word-boundary mark is U+2581).
  std::string joined;
  for (const auto& p : tok.encode_pieces(text)) joined += p;
  EXPECT_NE(joined.find("computer"), std::string::npos);
  // A character never seen maps to <unk>.
  const auto unknown = tok.encode("zzz");
  EXPECT_NE(std::find(unknown.begin(), unknown.end(), text::Tokenizer::unknown_id), unknown.end());
}

TEST(Tokenizer, BatchesHaveClsSepPaddingAndTruncation) {
  const auto& tok = trained();
  const std::vector<std::string> texts = {"art is never finished.", "the computer science of fortune cookies says only bugs and programs and programming"};
  const Tensor ids = tok.encode_batch(texts, 12);
  ASSERT_EQ(ids.shape(), Shape({2, 12}));
  const auto pieces0 = tok.encode(texts[0]);
  ASSERT_LT(pieces0.size() + 2, 12u);
  EXPECT_EQ(ids.at({0, 0}), tok.cls_id());
  for (std::size_t i = 0; i < pieces0.size(); ++i) EXPECT_EQ(ids.at({0, static_cast<std::int64_t>(i + 1)}), pieces0[i]);
  EXPECT_EQ(ids.at({0, static_cast<std::int64_t>(pieces0.size() + 1)}), tok.sep_id());
  for (auto t = static_cast<std::int64_t>(pieces0.size() + 2); t < 12; ++t) EXPECT_EQ(ids.at({0, t}), 0);
  // The long text is cut so that [SEP] still ends it.
  ASSERT_GT(tok.encode(texts[1]).size(), 10u);
  EXPECT_EQ(ids.at({1, 11}), tok.sep_id());
  EXPECT_EQ(ids.at({1, 1}), tok.encode(texts[1])[0]);
  const Tensor plain = tok.encode_batch({texts[0]}, 12, false, false);
  EXPECT_EQ(plain.at({0, 0}), pieces0[0]);
}

TEST(Tokenizer, SavesLoadsAndTrainsDeterministically) {
  const auto& tok = trained();
  const fs::path dir = fs::temp_directory_path() / "strata_tokenizer_test";
  fs::create_directories(dir);
  const std::string path = (dir / "tok.model").string();
  tok.save(path);
  const auto loaded = text::Tokenizer::load(path);
  EXPECT_EQ(loaded.encode("debugging programs is an art."), tok.encode("debugging programs is an art."));
  EXPECT_EQ(loaded.special_count(), 3);
  const auto again = text::Tokenizer::train(corpus(), text::TokenizerOptions().vocab_size(120));
  EXPECT_EQ(again.serialized(), tok.serialized());
  const auto bpe = text::Tokenizer::train(corpus(), text::TokenizerOptions().vocab_size(100).model_type("bpe"));
  EXPECT_EQ(bpe.decode(bpe.encode("politics says the art of bugs.")), "politics says the art of bugs.");
  EXPECT_EQ(bpe.mask_id(), 4);

  std::ofstream(dir / "corrupt.model") << "not a model";
  EXPECT_NE(strata::testing::error_of([&] { text::Tokenizer::load((dir / "corrupt.model").string()); })
                .find("is not a SentencePiece model"),
            std::string::npos);
  EXPECT_NE(strata::testing::error_of([&] { text::Tokenizer::load((dir / "missing.model").string()); }).find("cannot open"),
            std::string::npos);
  EXPECT_NE(strata::testing::error_of([] { text::Tokenizer::train({"", " \n"}); }).find("no text to train on"),
            std::string::npos);
  EXPECT_NE(strata::testing::error_of([] { text::Tokenizer::train({"a"}, text::TokenizerOptions().model_type("word2")); })
                .find("model_type must be"),
            std::string::npos);
  fs::remove_all(dir);
}
