// Transformer blocks built from ordinary layers, added to a functional graph one layer at a
// time (so summary lists them, models::set_trainable freezes them by name, and
// models::layer_learning_rates gives them their own rates):
//   auto ids = nn::Input({128});
//   auto h = layers::TokenAndPositionEmbedding(8000, 128, 256, /*mask_zero=*/true)(ids);
//   for (int i = 0; i < 4; ++i)
//     h = models::transformer_encoder(h, models::TransformerEncoderOptions(4, 1024).name("encoder_" + std::to_string(i)));
// A block of width D = h's features is (post-norm, the original and BERT's order):
//   x = LayerNorm(x + Dropout(MultiHeadAttention(heads, D/heads)(x, x)))
//   x = LayerNorm(x + Dropout(Dense(D)(Dense(intermediate_dim, activation)(x))))
// and with normalize_first (pre-norm, GPT-2's): x = x + Dropout(MHA(LN(x), LN(x))), then
// x = x + Dropout(FFN(LN(x))). Padding masks travel through it to the attention.
// Layer names: "<name>_self_attention", "<name>_self_attention_dropout", "<name>_self_attention_add",
// "<name>_self_attention_norm", "<name>_ffn_intermediate", "<name>_ffn_output", "<name>_ffn_dropout",
// "<name>_ffn_add", "<name>_ffn_norm" (KerasHub's TransformerEncoder sublayers).
#pragma once

#include <string>

#include "strata/nn/graph.h"
#include "strata/tensor/options.h"

namespace strata::models {

struct TransformerEncoderOptions {
  TransformerEncoderOptions(std::int64_t num_heads, std::int64_t intermediate_dim)
      : num_heads_(num_heads), intermediate_dim_(intermediate_dim) {}
  STRATA_OPTION(TransformerEncoderOptions, std::int64_t, num_heads, 0)          // must divide the width
  STRATA_OPTION(TransformerEncoderOptions, std::int64_t, intermediate_dim, 0)   // the feed-forward width
  STRATA_OPTION(TransformerEncoderOptions, double, dropout, 0.1)                // attention weights, both residual branches
  STRATA_OPTION(TransformerEncoderOptions, std::string, activation, "gelu")     // the feed-forward's (exact GELU)
  STRATA_OPTION(TransformerEncoderOptions, double, layer_norm_epsilon, 1e-5)
  STRATA_OPTION(TransformerEncoderOptions, bool, normalize_first, false)
  STRATA_OPTION(TransformerEncoderOptions, bool, use_causal_mask, false)
  STRATA_OPTION(TransformerEncoderOptions, std::string, kernel_initializer, "glorot_uniform")
  STRATA_OPTION(TransformerEncoderOptions, std::string, name, "transformer_encoder")  // prefix of the layers' names
};

// The block's output, [T, D] as x.
nn::SymbolicTensor transformer_encoder(const nn::SymbolicTensor& x, const TransformerEncoderOptions& options);

}  // namespace strata::models
