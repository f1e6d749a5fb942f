// ONNX export of the sequence-model layers: Embedding, the position layers and
// MultiHeadAttention, as Gather, Add, MatMul, Reshape, Transpose and Softmax (any opset >= 13),
// and the padding masks of Embedding(mask_zero) as an attention bias computed from the ids.
// Their import needs no family of its own: the importer turns those primitives back into
// Embedding, Dense, MatMul and Softmax layers (and fuses the decomposed GELU, fusion.h).
#include <algorithm>
#include <cmath>

#include "strata/interop/onnx/exporter.h"
#include "strata/nn/layers/multi_head_attention.h"
#include "strata/nn/layers/position_embedding.h"

namespace strata::interop::onnx_exporter {

// Token ids are whole numbers >= 0, so Relu(1 - id) is 1 for padding (0) and 0 for a token:
// the bias -1e9 * Relu(1 - id), shaped [B, 1, 1, S] to add to every head's scores (exp of it
// underflows to exactly 0, as Strata's masked softmax gives). Plain arithmetic, so importers
// (Strata's too) read it without Equal/Where.
std::string Exporter::padding_bias(const std::string& ids, std::int64_t steps, const std::string& name) {
  const std::string base = name + "/padding";
  const std::string one_minus = node("Sub", {constant(base + "/one", Tensor::scalar(1.0)), ids}, unique(base + "/one_minus_ids")).output(0);
  const std::string is_pad = node("Relu", {one_minus}, unique(base + "/is_padding")).output(0);
  const std::string bias = node("Mul", {is_pad, constant(base + "/minus_1e9", Tensor::scalar(-1e9))}, unique(base + "/bias")).output(0);
  return node("Reshape", {bias, ints_constant(base + "/bias_shape", {0, 1, 1, steps})}, unique(base + "/attention_bias")).output(0);
}

namespace {
// Whether `l`'s output keeps its first input's padding mask: Layer::call decides, so the layer
// is asked by running it once on zeros of one example whose first input carries a mask.
bool keeps_padding_mask(const nn::LayerPtr& l, const std::vector<Shape>& shapes) {
  NoGradGuard no_grad;
  std::vector<Variable> inputs;
  for (const Shape& s : shapes) {
    Shape one = s;
    one.insert(one.begin(), 1);
    inputs.emplace_back(Tensor::zeros(one));
  }
  inputs.at(0).set_mask(Tensor::ones({1, shapes.at(0).at(0)}));
  return l->call(inputs, false).mask().defined();
}
}  // namespace

// A recurrent layer would read a padding mask (as sequence lengths), which is not exported yet.
void Exporter::refuse_padding_mask_readers(const nn::LayerPtr& l, const std::vector<std::string>& in) const {
  const std::string type = l->type();
  const bool masked = std::any_of(in.begin(), in.end(), [&](const std::string& x) { return padding_bias_.count(x) > 0; });
  if (masked && (type == "SimpleRNN" || type == "LSTM" || type == "GRU" || type == "Bidirectional"))
    throw Unsupported("a padding-masked sequence (mask_zero) into a recurrent layer has no ONNX export yet");
}

// Which outputs carry a padding mask: attention passes its query's on, other layers as
// keeps_padding_mask finds.
void Exporter::carry_padding_mask(const nn::LayerPtr& l, const std::vector<std::string>& in,
                                  const std::vector<Shape>& shapes, const std::string& out) {
  const std::string type = l->type();
  if (type == "Embedding" || type == "TokenAndPositionEmbedding") {
    if (l->config().at("config").value("mask_zero", false)) padding_bias_[out] = padding_bias(in.at(0), shapes.at(0).at(0), out);
    return;
  }
  if (in.empty() || !padding_bias_.count(in[0])) return;
  if (type == "MultiHeadAttention" || keeps_padding_mask(l, shapes)) padding_bias_[out] = padding_bias_.at(in[0]);
}

// Token ids (Strata feeds them as numbers) -> Cast to int64 -> Gather rows of the table.
std::string Exporter::embedding_rows(const std::string& ids, const Tensor& table, const std::string& name,
                                     const std::string& output) {
  auto& cast = node("Cast", {ids}, unique(name + "/ids"));
  attr(cast, "to", std::int64_t{onnx::TensorProto::INT64});
  return node("Gather", {constant(name + "/embeddings", table), cast.output(0)}, output).output(0);
}

// `table` [T, D] per example, whatever the input's values: x * 0 + table (the position layers
// output their table broadcast over the batch; the input is finite embeddings).
std::string Exporter::broadcast_table(const std::string& x, const Tensor& table, const std::string& name) {
  const std::string zero = node("Mul", {x, constant(name + "/zero", Tensor::scalar(0.0))}, unique(name + "/zeros")).output(0);
  return node("Add", {zero, constant(name + "/table", table)}, name).output(0);
}

std::string Exporter::export_attention(const LayerCall& call) {
  const auto& [l, type, name, c, in, shapes] = call;
  if (type == "Embedding") {
    return embedding_rows(in.at(0), weight(l, "embeddings"), name, name);
  }
  if (type == "TokenAndPositionEmbedding") {
    const std::int64_t T = shapes[0].at(0);
    const std::string tokens = embedding_rows(in.at(0), weight(l, "token_embedding/embeddings"), name, unique(name + "/tokens"));
    const Tensor positions = weight(l, "position_embedding/embeddings").slice(0, 0, T).contiguous();
    return node("Add", {tokens, constant(name + "/positions", positions)}, name).output(0);
  }
  if (type == "PositionEmbedding")
    return broadcast_table(in.at(0), weight(l, "embeddings").slice(0, 0, shapes[0].at(0)).contiguous(), name);
  if (type == "SinePositionEncoding") {
    NoGradGuard no_grad;
    Shape one = shapes[0];
    one.insert(one.begin(), 1);
    const Tensor table = l->call({Variable(Tensor::zeros(one))}, false).value();
    return broadcast_table(in.at(0), table.reshape(shapes[0]).contiguous(), name);
  }
  // MultiHeadAttention: per head, softmax(Q K^T / sqrt(key_dim) [+ causal mask]) V, then the
  // output projection; [B, T, H * d] <-> [B, H, T, d] by Reshape and Transpose.
  const auto* mha = nn::as<nn::MultiHeadAttention>(l);
  const auto& o = mha->options();
  if (o.return_attention_scores_) throw Unsupported("return_attention_scores (a second output) has no ONNX export yet");
  const std::int64_t H = o.num_heads_, dk = o.key_dim_, dv = mha->value_dim();
  const std::int64_t T = shapes.at(0).at(0), S = shapes.at(1).at(0);
  const std::string& query = in.at(0);
  const std::string& value = in.at(1);
  const std::string& key = in.size() > 2 ? in[2] : value;
  // Structured bindings are not captured by lambdas before C++20's P1091 (clang 15 refuses).
  const nn::LayerPtr& layer = call.l;
  const std::string& layer_name = call.name;
  const auto project = [&, &l = layer, &name = layer_name](const std::string& x, const std::string& which, std::int64_t rows, std::int64_t d,
                           const std::vector<std::int64_t>& perm) {
    const std::string base = name + "/" + which;
    std::string y = node("MatMul", {x, constant(base + "/kernel", weight(l, which + "/kernel"))}, unique(base + "/matmul")).output(0);
    if (const Tensor b = weight(l, which + "/bias"); b.defined())
      y = node("Add", {y, constant(base + "/bias", b)}, unique(base + "/biased")).output(0);
    y = node("Reshape", {y, ints_constant(base + "/heads_shape", {0, rows, H, d})}, unique(base + "/heads")).output(0);
    auto& t = node("Transpose", {y}, unique(base + "/per_head"));
    attr(t, "perm", perm);
    return t.output(0);
  };
  const std::string q = project(query, "query", T, dk, {0, 2, 1, 3});  // [B, H, T, dk]
  const std::string k = project(key, "key", S, dk, {0, 2, 3, 1});      // [B, H, dk, S]
  const std::string v = project(value, "value", S, dv, {0, 2, 1, 3});  // [B, H, S, dv]
  std::string scores = node("MatMul", {q, k}, unique(name + "/scores")).output(0);
  scores = node("Mul", {scores, constant(name + "/scale", Tensor::scalar(1.0 / std::sqrt(double(dk))))},
                unique(name + "/scaled"))
               .output(0);
  // The padding masks of value and key (both, as Strata's attention ANDs them; once when they
  // are one tensor).
  std::vector<std::string> masked_inputs{value};
  if (key != value) masked_inputs.push_back(key);
  for (const std::string& masked : masked_inputs)
    if (const auto bias = padding_bias_.find(masked); bias != padding_bias_.end())
      scores = node("Add", {scores, bias->second}, unique(name + "/padding_masked")).output(0);
  if (o.use_causal_mask_) {
    // -1e9 above the diagonal: exp underflows to exactly 0, as Strata's masked softmax gives.
    std::vector<float> bias(static_cast<std::size_t>(T * S), 0.0f);
    for (std::int64_t t = 0; t < T; ++t)
      for (std::int64_t s = t + 1; s < S; ++s) bias[t * S + s] = -1e9f;
    scores = node("Add", {scores, constant(name + "/causal_mask", Tensor::from_vector(bias, {T, S}))},
                  unique(name + "/masked"))
                 .output(0);
  }
  auto& softmax = node("Softmax", {scores}, unique(name + "/weights"));
  attr(softmax, "axis", std::int64_t{-1});
  const std::string heads = node("MatMul", {softmax.output(0), v}, unique(name + "/attended")).output(0);
  auto& back = node("Transpose", {heads}, unique(name + "/per_step"));
  attr(back, "perm", std::vector<std::int64_t>{0, 2, 1, 3});
  const std::string merged =
      node("Reshape", {back.output(0), ints_constant(name + "/merged_shape", {0, T, H * dv})}, unique(name + "/merged")).output(0);
  const Tensor bo = weight(l, "attention_output/bias");
  const std::string out =
      node("MatMul", {merged, constant(name + "/attention_output/kernel", weight(l, "attention_output/kernel"))},
           bo.defined() ? unique(name + "/output_matmul") : name)
          .output(0);
  return bo.defined() ? node("Add", {out, constant(name + "/attention_output/bias", bo)}, name).output(0) : out;
}

}  // namespace strata::interop::onnx_exporter
