#include "strata/nn/layers/multi_head_attention.h"

#include <cmath>

#include "strata/nn/layer_config.h"
#include "strata/nn/registry.h"
#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::nn {
namespace {

// The keys each query may see, [B, T or 1, S] (undefined when all may be): the AND of the
// value and key padding masks [B, S] (as [B, 1, S]) and an explicit attention mask [B, T, S].
// The query's own mask is not applied (PyTorch's key_padding_mask): a padded query still
// attends, and the mask travelling on with the output marks its row as padding. (Keras also
// masks padded queries; that changes only those rows.)
Tensor combined_mask(const Variable& query, const Variable& value, const Variable& key, const Tensor& attention_mask) {
  const std::int64_t B = query.size(0), T = query.size(1), S = value.size(1);
  Tensor mask;
  for (const Variable* v : {&value, &key})
    if (v->mask().defined()) {
      const Tensor m = v->mask().to(DType::f32).reshape({B, 1, S});
      mask = mask.defined() ? mask * m : m;
    }
  if (attention_mask.defined()) {
    STRATA_CHECK(attention_mask.shape() == Shape({B, T, S}), "MultiHeadAttention: attention_mask must be [", B, ", ", T,
                 ", ", S, "] (batch, queries, keys) but got ", shape_str(attention_mask.shape()));
    const Tensor m = attention_mask.to(DType::f32);
    mask = mask.defined() ? m * mask : m;
  }
  return mask.defined() ? mask.contiguous() : mask;
}

// [B, L, H*D] -> [B*H, L, D]: each head's sequence as one batch of the attention.
Variable split_heads(const Variable& x, std::int64_t heads) {
  const std::int64_t B = x.size(0), L = x.size(1), D = x.size(2) / heads;
  return ops::reshape(ops::permute(ops::reshape(x, {B, L, heads, D}), {0, 2, 1, 3}), {B * heads, L, D});
}

// [B*H, L, D] -> [B, L, H*D].
Variable merge_heads(const Variable& x, std::int64_t heads) {
  const std::int64_t B = x.size(0) / heads, L = x.size(1), D = x.size(2);
  return ops::reshape(ops::permute(ops::reshape(x, {B, heads, L, D}), {0, 2, 1, 3}), {B, L, heads * D});
}

}  // namespace

MultiHeadAttention::MultiHeadAttention(MultiHeadAttentionOptions o) : Layer(o.name_), o_(std::move(o)) {
  STRATA_CHECK(o_.num_heads_ >= 1, "MultiHeadAttention: num_heads must be positive, got ", o_.num_heads_);
  STRATA_CHECK(o_.key_dim_ >= 1, "MultiHeadAttention: key_dim must be positive, got ", o_.key_dim_);
  STRATA_CHECK(o_.value_dim_ >= 0 && o_.output_shape_ >= 0,
               "MultiHeadAttention: value_dim and output_shape must be positive (or 0 for the default), got ",
               o_.value_dim_, " and ", o_.output_shape_);
  STRATA_CHECK(o_.dropout_ >= 0.0 && o_.dropout_ < 1.0, "MultiHeadAttention: dropout must be in [0, 1), got ",
               o_.dropout_);
}

Shape MultiHeadAttention::compute_output_shape(const std::vector<Shape>& in) const {
  STRATA_CHECK(in.size() == 2 || in.size() == 3, "MultiHeadAttention '", name(),
               "': expects [query, value] or [query, value, key] but got ", in.size(), " inputs");
  for (const auto& s : in)
    STRATA_CHECK(s.size() == 2, "MultiHeadAttention '", name(),
                 "': inputs must be sequences (steps, features) but got ", shape_str(s));
  const Shape& key = in.size() == 3 ? in[2] : in[1];
  STRATA_CHECK(key[0] == in[1][0], "MultiHeadAttention '", name(), "': key has ", key[0], " steps but value has ",
               in[1][0]);
  return {in[0][0], o_.output_shape_ > 0 ? o_.output_shape_ : in[0][1]};
}

std::vector<Shape> MultiHeadAttention::compute_output_shapes(const std::vector<Shape>& in) const {
  std::vector<Shape> shapes{compute_output_shape(in)};
  if (o_.return_attention_scores_) shapes.push_back({o_.num_heads_, in[0][0], in[1][0]});
  return shapes;
}

bool MultiHeadAttention::accepts(const std::vector<Shape>& built, const std::vector<Shape>& given) const {
  if (given.size() != built.size()) return false;
  for (std::size_t i = 0; i < given.size(); ++i)
    if (given[i].size() != 2 || given[i][1] != built[i][1]) return false;
  return true;
}

MultiHeadAttention::Projection MultiHeadAttention::add_projection(const std::string& name, std::int64_t in,
                                                                  std::int64_t out) {
  Projection p;
  p.kernel = &add_weight(name + "/kernel", {in, out}, initializer(o_.kernel_initializer_), true, o_.kernel_regularizer_,
                         o_.kernel_constraint_, {0});
  if (o_.use_bias_)
    p.bias = &add_weight(name + "/bias", {out}, initializer(o_.bias_initializer_), true, o_.bias_regularizer_);
  return p;
}

void MultiHeadAttention::build(const std::vector<Shape>& in) {
  const Shape out = compute_output_shape(in);
  const std::int64_t H = o_.num_heads_;
  query_ = add_projection("query", in[0][1], H * o_.key_dim_);
  key_ = add_projection("key", (in.size() == 3 ? in[2] : in[1])[1], H * o_.key_dim_);
  value_ = add_projection("value", in[1][1], H * value_dim());
  output_ = add_projection("attention_output", H * value_dim(), out[1]);
}

Variable MultiHeadAttention::project(const Projection& p, const Variable& x) {
  const std::int64_t B = x.size(0), L = x.size(1);
  const Variable y = ops::linear(ops::reshape(x, {B * L, x.size(2)}), p.kernel->variable,
                                 p.bias ? p.bias->variable : Variable());
  return ops::reshape(y, {B, L, y.size(1)});
}

std::vector<Variable> MultiHeadAttention::attend(const Variable& query, const Variable& value, const Variable& key_in,
                                                 const Tensor& attention_mask, bool training) {
  const Variable& key = key_in.defined() ? key_in : value;
  std::vector<Shape> shapes;
  for (const Variable* v : {&query, &value, &key_in}) {
    if (!v->defined()) continue;
    STRATA_CHECK(v->dim() == 3, "MultiHeadAttention '", name(), "': inputs must be [batch, steps, features] but got ",
                 shape_str(v->shape()));
    shapes.push_back({v->size(1), v->size(2)});
  }
  STRATA_CHECK(query.size(0) == value.size(0) && key.size(0) == value.size(0), "MultiHeadAttention '", name(),
               "': batch sizes differ: query ", shape_str(query.shape()), ", value ", shape_str(value.shape()));
  build_if_needed(shapes);
  const std::int64_t H = o_.num_heads_, B = query.size(0), T = query.size(1), S = value.size(1);
  ops::AttentionOptions ao;
  ao.mask = combined_mask(query, value, key, attention_mask);
  ao.causal = o_.use_causal_mask_;
  ao.scale = 1.0 / std::sqrt(static_cast<double>(o_.key_dim_));
  ao.dropout = o_.dropout_;
  ao.training = training;
  const ops::Attention a = ops::scaled_dot_product_attention(
      split_heads(project(query_, query), H), split_heads(project(key_, key), H), split_heads(project(value_, value), H), ao);
  Variable output = project(output_, merge_heads(a.output, H));
  if (query.mask().defined()) output.set_mask(query.mask());
  return {output, ops::reshape(a.weights, {B, H, T, S})};
}

std::vector<Variable> MultiHeadAttention::call_all(const std::vector<Variable>& in, bool training) {
  STRATA_CHECK(in.size() == 2 || in.size() == 3, "MultiHeadAttention '", name(),
               "': expects [query, value] or [query, value, key] but got ", in.size(), " inputs");
  std::vector<Variable> out = attend(in[0], in[1], in.size() == 3 ? in[2] : Variable(), Tensor(), training);
  out.resize(output_count());
  return out;
}

Variable MultiHeadAttention::forward(const std::vector<Variable>& in, bool training) {
  return attend(in[0], in[1], in.size() == 3 ? in[2] : Variable(), Tensor(), training)[0];
}

void MultiHeadAttention::layer_config(nlohmann::json& c) const { config::write_fields(o_, c); }

LayerPtr MultiHeadAttention::from_config(const nlohmann::json& c) {
  MultiHeadAttentionOptions o(config::require<std::int64_t>(c, "num_heads"), config::require<std::int64_t>(c, "key_dim"));
  config::read_fields(c, o);
  return std::make_shared<MultiHeadAttention>(o.name(config::name(c)));
}

namespace {
const LayerRegistrar multi_head_attention_registrar("MultiHeadAttention", MultiHeadAttention::from_config);
}  // namespace

}  // namespace strata::nn
