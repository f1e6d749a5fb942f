// ONNX export of the sequence-model layers: Embedding, the position layers and
// MultiHeadAttention, as Gather, Add, MatMul, Reshape, Transpose and Softmax (any opset >= 13).
// Their import needs no family of its own: the importer turns those primitives back into
// Embedding, Dense, MatMul and Softmax layers (and fuses the decomposed GELU, fusion.h).
#include <cmath>

#include "strata/interop/onnx/exporter.h"
#include "strata/nn/layers/multi_head_attention.h"
#include "strata/nn/layers/position_embedding.h"

namespace strata::interop::onnx_exporter {

namespace {
// Padding masks travel beside tensors in Strata; the exported graph would have to compute them
// from the token ids, which it does not yet, so a model that depends on one is refused.
void refuse_mask_zero(const Json& c) {
  if (c.value("mask_zero", false))
    throw Unsupported("mask_zero: the padding mask has no ONNX export yet (build the model with mask_zero=false)");
}
}  // namespace

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
    refuse_mask_zero(c);
    return embedding_rows(in.at(0), weight(l, "embeddings"), name, name);
  }
  if (type == "TokenAndPositionEmbedding") {
    refuse_mask_zero(c);
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
  const auto project = [&](const std::string& x, const std::string& which, std::int64_t rows, std::int64_t d,
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
