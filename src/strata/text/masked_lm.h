// Masked-language-model data (BERT's recipe): pick `rate` of the real tokens of each batch of
// ids, the model must predict them from the rest; of the picked ones 80% become [MASK], 10% a
// random regular token, 10% stay as they are. Padding (id 0) and special tokens are never picked.
//   auto m = text::mask_tokens(ids, text::MaskingOptions::for_tokenizer(tok), gen);
//   // inputs: the corrupted ids; targets: the original id where picked, -1 elsewhere, for
//   // ops::sparse_crossentropy_ignoring(logits, m.targets, -1, true)
#pragma once

#include <cstdint>

#include "strata/tensor/random.h"
#include "strata/tensor/tensor.h"

namespace strata::text {

class Tokenizer;

struct MaskingOptions {
  std::int64_t mask_id = 0;
  std::int64_t first_regular_id = 0;  // ids below are padding, <unk> and special tokens (never picked)
  std::int64_t vocabulary_size = 0;   // random replacements are drawn from [first_regular_id, vocabulary_size)
  double rate = 0.15;
  double mask_fraction = 0.8;    // of the picked: replaced by [MASK]
  double random_fraction = 0.1;  // of the picked: replaced by a random regular token (the rest stay)
  static MaskingOptions for_tokenizer(const Tokenizer& tokenizer, double rate = 0.15);
};

struct MaskedTokens {
  Tensor inputs;   // as the ids, f32
  Tensor targets;  // as the ids, i64: the original id where picked, -1 elsewhere
  std::int64_t picked = 0;
};

// ids: f32 token ids of any shape (encode_batch's [N, T]). At least one token is picked in each
// row that has a regular token, so no example is without a target.
MaskedTokens mask_tokens(const Tensor& ids, const MaskingOptions& options, Generator& generator);

}  // namespace strata::text
