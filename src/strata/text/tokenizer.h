// Subword tokenization with SentencePiece (Debian's libsentencepiece): train a unigram or BPE
// model from text, encode to ids and decode back, with the special tokens a transformer needs.
//   auto tok = text::Tokenizer::train(training_texts, text::TokenizerOptions().vocab_size(4000));
//   tok.save("runs/fortunes/tokenizer.model");
//   Tensor ids = tok.encode_batch({"A fortune.", "Another one."}, 64);  // [2, 64], padded with 0
// Ids: 0 is padding ([PAD], what Embedding(mask_zero) and TokenAndPositionEmbedding mask), 1 is
// unknown (<unk>), then the special tokens ([CLS], [SEP], [MASK] by default), then the pieces.
// Text is whitespace-normalized first (runs of spaces, tabs and newlines become one space),
// then SentencePiece's NFKC normalization applies. The model file is SentencePiece's own, so
// its Python package reads it too. SentencePiece runs in a link namespace of its own
// (src/sentencepiece_shim/sentencepiece_shim.h says why); STRATA_SENTENCEPIECE_SHIM names the
// shim library when it is not where the build put it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strata/tensor/options.h"
#include "strata/tensor/tensor.h"

namespace strata::text {

struct TokenizerOptions {
  STRATA_OPTION(TokenizerOptions, std::int64_t, vocab_size, 4000)
  STRATA_OPTION(TokenizerOptions, std::string, model_type, "unigram")  // "unigram" or "bpe"
  STRATA_OPTION(TokenizerOptions, double, character_coverage, 1.0)
  using Strings = std::vector<std::string>;
  STRATA_OPTION(TokenizerOptions, Strings, special_tokens, (Strings{"[CLS]", "[SEP]", "[MASK]"}))
  // false: a smaller vocabulary than vocab_size when the text has too few pieces (else an error)
  STRATA_OPTION(TokenizerOptions, bool, hard_vocab_limit, false)
};

class Tokenizer {
 public:
  static constexpr std::int64_t pad_id = 0;
  static constexpr std::int64_t unknown_id = 1;

  // Trains on the texts (each one sentence or document). Deterministic for the same texts.
  static Tokenizer train(const std::vector<std::string>& texts, const TokenizerOptions& options = {});
  // A SentencePiece .model file; a missing or corrupt file is an error naming it.
  static Tokenizer load(const std::string& path);
  static Tokenizer from_serialized(const std::string& model_proto, const std::string& source = "a serialized model");
  // Written atomically (the old file survives a failed save).
  void save(const std::string& path) const;
  const std::string& serialized() const { return proto_; }

  std::int64_t vocabulary_size() const;
  // The id of a piece or special token; an unknown one is an error naming it.
  std::int64_t token_id(const std::string& piece) const;
  std::string piece(std::int64_t id) const;
  std::int64_t cls_id() const { return token_id("[CLS]"); }
  std::int64_t sep_id() const { return token_id("[SEP]"); }
  std::int64_t mask_id() const { return token_id("[MASK]"); }
  // The special tokens ([CLS], [SEP], [MASK], ...): ids 2 .. 2 + count - 1.
  bool is_special(std::int64_t id) const;
  std::int64_t special_count() const { return special_count_; }

  std::vector<std::int64_t> encode(const std::string& text) const;
  std::vector<std::string> encode_pieces(const std::string& text) const;
  // Special tokens and padding are dropped.
  std::string decode(const std::vector<std::int64_t>& ids) const;
  // [texts, length] f32 ids (what Embedding reads): [CLS] when add_cls, the pieces (cut to
  // fit), [SEP] when add_sep, then padding.
  Tensor encode_batch(const std::vector<std::string>& texts, std::int64_t length, bool add_cls = true,
                      bool add_sep = true) const;

 private:
  Tokenizer(std::shared_ptr<void> processor, std::string proto);
  std::shared_ptr<void> sp_;  // SentencePiece's processor, in the shim's namespace (tokenizer.cpp)
  std::string proto_;
  std::int64_t special_count_ = 0;
};

// Runs of whitespace (spaces, tabs, newlines) as one space, none at the ends.
std::string normalize_whitespace(const std::string& text);

}  // namespace strata::text
