// MultiHeadAttention (Keras 3): inputs query [T, Dq], value [S, Dv] and optionally key [S, Dk]
// (the value when absent); `num_heads` heads project them to key_dim (query, key) and value_dim
// (value) features each, attend with scaled dot-product attention and project the heads'
// concatenation to `output_shape` features (the query's by default): output [T, output_shape].
//   auto x = layers::MultiHeadAttention(nn::MultiHeadAttentionOptions(4, 32))({h, h});  // self-attention
// Masks: the padding masks travelling with value and key (Embedding(mask_zero)) keep queries
// from attending to padded keys (PyTorch's key_padding_mask; the query's mask travels on with
// the output); use_causal_mask lets step t see steps <= t
// only; dropout drops attention weights in training. return_attention_scores makes the
// weights [num_heads, T, S] a second output (Keras passes it to call(); a graph needs it fixed).
// Weights: query/kernel [Dq, H*key_dim] and query/bias [H*key_dim] (Keras' [Dq, H, key_dim]
// and [H, key_dim] in the same order), the same for key and value, attention_output/kernel
// [H*value_dim, output_shape] and attention_output/bias.
#pragma once

#include "strata/nn/core_layers.h"
#include "strata/nn/handle.h"

namespace strata::nn {

struct MultiHeadAttentionOptions : KernelBiasOptions<MultiHeadAttentionOptions> {
  MultiHeadAttentionOptions(std::int64_t num_heads, std::int64_t key_dim) : num_heads_(num_heads), key_dim_(key_dim) {}
  STRATA_OPTION(MultiHeadAttentionOptions, std::int64_t, num_heads, 0)
  STRATA_OPTION(MultiHeadAttentionOptions, std::int64_t, key_dim, 0)
  STRATA_OPTION(MultiHeadAttentionOptions, std::int64_t, value_dim, 0)     // 0: key_dim
  STRATA_OPTION(MultiHeadAttentionOptions, std::int64_t, output_shape, 0)  // 0: the query's features
  STRATA_OPTION(MultiHeadAttentionOptions, double, dropout, 0.0)
  STRATA_OPTION(MultiHeadAttentionOptions, bool, use_causal_mask, false)
  STRATA_OPTION(MultiHeadAttentionOptions, bool, return_attention_scores, false)
  STRATA_OPTION(MultiHeadAttentionOptions, std::string, name, "")

  template <class Self, class Visit>
  static void fields(Self& o, Visit&& visit) {
    visit("num_heads", o.num_heads_);
    visit("key_dim", o.key_dim_);
    visit("value_dim", o.value_dim_);
    visit("output_shape", o.output_shape_);
    visit("dropout", o.dropout_);
    visit("use_causal_mask", o.use_causal_mask_);
    visit("return_attention_scores", o.return_attention_scores_);
    kernel_bias_fields(o, visit);
  }
};

class MultiHeadAttention final : public Layer {
 public:
  explicit MultiHeadAttention(MultiHeadAttentionOptions options);
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "MultiHeadAttention"; }
  const MultiHeadAttentionOptions& options() const { return o_; }
  std::int64_t value_dim() const { return o_.value_dim_ > 0 ? o_.value_dim_ : o_.key_dim_; }

  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  std::size_t output_count() const override { return o_.return_attention_scores_ ? 2 : 1; }
  std::vector<Shape> compute_output_shapes(const std::vector<Shape>& in) const override;
  std::vector<Variable> call_all(const std::vector<Variable>& inputs, bool training) override;
  // Eager call with an explicit attention mask [B, T, S] (nonzero: query t may attend to key
  // s), combined with the padding and causal masks: {output, scores}.
  std::vector<Variable> attend(const Variable& query, const Variable& value, const Variable& key,
                               const Tensor& attention_mask, bool training);
  // Any sequence lengths; the feature sizes are fixed at build.
  bool accepts(const std::vector<Shape>& built, const std::vector<Shape>& given) const override;
  bool propagates_mask() const override { return true; }  // the query's

 protected:
  std::size_t arity() const override { return 0; }  // 2 or 3, checked in compute_output_shape
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  struct Projection {
    Weight* kernel = nullptr;
    Weight* bias = nullptr;
  };
  Projection add_projection(const std::string& name, std::int64_t in, std::int64_t out);
  static Variable project(const Projection& p, const Variable& x);

  MultiHeadAttentionOptions o_;
  Projection query_, key_, value_, output_;
};

}  // namespace strata::nn

namespace strata::layers {
inline Handle<nn::MultiHeadAttention> MultiHeadAttention(nn::MultiHeadAttentionOptions o) {
  return make<nn::MultiHeadAttention>(std::move(o));
}
inline Handle<nn::MultiHeadAttention> MultiHeadAttention(std::int64_t num_heads, std::int64_t key_dim) {
  return make<nn::MultiHeadAttention>(nn::MultiHeadAttentionOptions(num_heads, key_dim));
}
}  // namespace strata::layers
