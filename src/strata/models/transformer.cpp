#include "strata/models/transformer.h"

#include "strata/nn/layers.h"

namespace strata::models {

nn::SymbolicTensor transformer_encoder(const nn::SymbolicTensor& x, const TransformerEncoderOptions& o) {
  const std::string& n = o.name_;
  STRATA_CHECK(x.shape().size() == 2, "transformer_encoder '", n, "': expected a sequence (steps, features) but got ",
               shape_str(x.shape()));
  const std::int64_t width = x.shape()[1];
  STRATA_CHECK(o.num_heads_ >= 1 && width % o.num_heads_ == 0, "transformer_encoder '", n, "': num_heads ",
               o.num_heads_, " must divide the width ", width);
  STRATA_CHECK(o.intermediate_dim_ >= 1, "transformer_encoder '", n, "': intermediate_dim must be positive, got ",
               o.intermediate_dim_);
  const auto norm = [&](const std::string& suffix) {
    return layers::LayerNormalization(nn::LayerNormalizationOptions().epsilon(o.layer_norm_epsilon_).name(n + suffix));
  };
  const auto dropout = [&](const std::string& suffix, const nn::SymbolicTensor& t) {
    auto d = layers::Dropout(o.dropout_);
    d->set_name(n + suffix);
    return d(t);
  };
  const auto add = [&](const std::string& suffix, const nn::SymbolicTensor& a, const nn::SymbolicTensor& b) {
    auto layer = layers::Add();
    layer->set_name(n + suffix);
    return layer({a, b});
  };

  // Self-attention sub-block.
  const nn::SymbolicTensor h = o.normalize_first_ ? norm("_self_attention_norm")(x) : x;
  auto attention = layers::MultiHeadAttention(nn::MultiHeadAttentionOptions(o.num_heads_, width / o.num_heads_)
                                                  .dropout(o.dropout_)
                                                  .use_causal_mask(o.use_causal_mask_)
                                                  .kernel_initializer(o.kernel_initializer_)
                                                  .name(n + "_self_attention"));
  nn::SymbolicTensor y = add("_self_attention_add", x, dropout("_self_attention_dropout", attention({h, h})));
  if (!o.normalize_first_) y = norm("_self_attention_norm")(y);

  // Feed-forward sub-block.
  const nn::SymbolicTensor f = o.normalize_first_ ? norm("_ffn_norm")(y) : y;
  auto intermediate = layers::Dense(nn::DenseOptions(o.intermediate_dim_)
                                        .activation(o.activation_)
                                        .kernel_initializer(o.kernel_initializer_)
                                        .name(n + "_ffn_intermediate"));
  auto output = layers::Dense(nn::DenseOptions(width).kernel_initializer(o.kernel_initializer_).name(n + "_ffn_output"));
  nn::SymbolicTensor z = add("_ffn_add", y, dropout("_ffn_dropout", output(intermediate(f))));
  if (!o.normalize_first_) z = norm("_ffn_norm")(z);
  return z;
}

}  // namespace strata::models
