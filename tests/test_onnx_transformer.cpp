// Transformers through ONNX: a BERT-style network exported by PyTorch (token and position
// embeddings, nn.TransformerEncoder with GELU, a linear head; tools/golden/make_onnx_transformer.py)
// imports and gives PyTorch's logits; Strata's own encoder exports to ONNX (Gather, MatMul,
// Softmax, LayerNormalization at opset 17, GELU as Erf arithmetic, padding masks as an attention
// bias computed from the ids) and imports back with the same outputs.
#include <gtest/gtest.h>

#include <filesystem>

#include "strata/interop/onnx_export.h"
#include "strata/interop/onnx_import.h"
#include "strata/models/transformer.h"
#include "strata/nn/layers.h"
#include "test_helpers.h"

using namespace strata;
namespace fs = std::filesystem;

namespace {

fs::path temp_file(const std::string& name) { return fs::temp_directory_path() / ("strata_transformer_" + name); }

Tensor run(models::Model& m, const Tensor& x) { return m.call({Variable(x)}, false).value(); }

double relative_error(const Tensor& actual, const Tensor& expected) {
  const Tensor a = actual.reshape(expected.shape()).to(DType::f64);
  return max_abs_diff(a, expected.to(DType::f64)) / std::max(max(abs(expected.to(DType::f64))).item(), 1e-12);
}

std::size_t count_gelu(models::Model& m) {
  std::size_t n = 0;
  for (const auto& l : m.layers())
    if (l->type() == "Activation" && l->config().at("config").value("activation", std::string()) == "gelu") ++n;
  return n;
}

}  // namespace

// PyTorch's attention moves the batch axis ([B, T, E] -> [T, B*H, d]), so the graph is imported
// as one example (batch 1, as exported) and Strata runs examples side by side in front of it.
TEST(OnnxTransformer, PyTorchTransformerEncoderImportsAndMatchesItsLogits) {
  const nlohmann::json golden = strata::testing::read_golden("torch_transformer_encoder.json");
  interop::OnnxImportOptions options;
  options.leading_batch_axis = false;
  auto model = interop::import_onnx(std::string(STRATA_TEST_DATA_DIR) + "/golden/torch_transformer_encoder.onnx", options);
  EXPECT_EQ(count_gelu(*model), 2u) << "the decomposed GELU of both blocks is fused into one activation each";
  const Tensor ids = strata::testing::golden_tensor(golden["ids"], DType::f32);  // [4, 12]
  const Tensor logits = strata::testing::golden_tensor(golden["logits"]);        // [4, 3]
  const Tensor out = run(*model, ids.reshape({ids.size(0), 1, ids.size(1)}));     // [4, 1, 3]
  EXPECT_LT(relative_error(out, logits), 1e-5);
}

// A small BERT-style classifier: token + position embedding, two encoder blocks (post-norm
// with GELU, pre-norm with ReLU and a causal mask), the first position's features into a Dense head.
TEST(OnnxTransformer, StrataEncoderExportsAndImportsBackWithTheSameOutputs) {
  manual_seed(21);
  const std::int64_t vocab = 40, T = 10, width = 16;
  auto ids = nn::Input({T});
  auto h = layers::TokenAndPositionEmbedding(vocab, T, width)(ids);
  h = models::transformer_encoder(h, models::TransformerEncoderOptions(4, 32).name("encoder_0"));
  h = models::transformer_encoder(
      h, models::TransformerEncoderOptions(2, 24).activation("relu").normalize_first(true).use_causal_mask(true).name("encoder_1"));
  h = layers::Dense(width)(h);
  h = layers::Add()({h, layers::SinePositionEncoding()(h)});
  auto first = layers::make<nn::Slice>(std::vector<std::int64_t>{1}, std::vector<std::int64_t>{0},
                                       std::vector<std::int64_t>{1}, std::vector<std::int64_t>{1}, "first");
  auto out = layers::Dense(nn::DenseOptions(3).activation("softmax"))(layers::Flatten()(first(h)));
  auto model = std::make_shared<models::Model>(ids, out);
  const char* keep = std::getenv("STRATA_ONNX_EXPORT_DIR");
  const auto path = keep ? fs::path(keep) / "transformer_encoder.onnx" : temp_file("transformer_encoder.onnx");
  interop::export_onnx(*model, path.string());
  auto back = interop::import_onnx(path.string());
  EXPECT_EQ(back->count_params() >= model->count_params(), true);
  EXPECT_EQ(count_gelu(*back), 1u) << "the Erf arithmetic of the one GELU block is fused back into one activation";
  std::vector<float> tokens;
  for (int i = 0; i < 3 * T; ++i) tokens.push_back(static_cast<float>(1 + (i * 7) % (vocab - 1)));
  const Tensor x = Tensor::from_vector(tokens, {3, T});
  EXPECT_LT(relative_error(run(*back, x), run(*model, x)), 1e-5);
  // Another last token: both models' outputs move, and equally.
  Tensor y = x.clone();
  y.data<float>()[T - 1] = 5.0f;
  EXPECT_LT(relative_error(run(*back, y), run(*model, y)), 1e-5);
  if (!keep) fs::remove(path);
}

// The fortunes classifier's shape: TokenAndPositionEmbedding(mask_zero) and two blocks. The
// padding mask becomes an attention bias computed from the ids in the graph, so padded inputs
// give the same outputs after the round trip (without it every padded key would be attended).
TEST(OnnxTransformer, PaddingMaskedEncoderExportsAndImportsBackWithTheSameOutputs) {
  const std::int64_t vocab = 30, T = 8;
  const auto build = [&](bool mask_zero) {
    manual_seed(22);
    auto ids = nn::Input({T});
    auto h = layers::TokenAndPositionEmbedding(vocab, T, 16, mask_zero)(ids);
    h = models::transformer_encoder(h, models::TransformerEncoderOptions(4, 32).name("encoder_0"));
    h = models::transformer_encoder(h, models::TransformerEncoderOptions(2, 32).normalize_first(true).name("encoder_1"));
    auto first = layers::make<nn::Slice>(std::vector<std::int64_t>{1}, std::vector<std::int64_t>{0},
                                         std::vector<std::int64_t>{1}, std::vector<std::int64_t>{1}, "cls");
    auto head = layers::Dense(nn::DenseOptions(3).activation("softmax"));
    return std::make_shared<models::Model>(ids, head(layers::Flatten()(first(h))));
  };
  auto model = build(true);
  const char* keep = std::getenv("STRATA_ONNX_EXPORT_DIR");
  const auto path = keep ? fs::path(keep) / "masked_transformer_encoder.onnx" : temp_file("masked_encoder.onnx");
  interop::export_onnx(*model, path.string());
  auto back = interop::import_onnx(path.string());
  // Three texts of 2, 5 and 8 tokens, the rest padding (0).
  std::vector<float> tokens;
  for (std::int64_t len : {2, 5, 8})
    for (std::int64_t t = 0; t < T; ++t) tokens.push_back(t < len ? static_cast<float>(2 + (len * 5 + t * 3) % (vocab - 2)) : 0.0f);
  const Tensor x = Tensor::from_vector(tokens, {3, T});
  const Tensor expected = run(*model, x);
  EXPECT_LT(relative_error(run(*back, x), expected), 1e-5);
  // The mask matters for these inputs: the same weights without it answer differently.
  EXPECT_GT(max_abs_diff(run(*build(false), x).reshape(expected.shape()), expected), 1e-3);
  if (!keep) fs::remove(path);
}

TEST(OnnxTransformer, PaddingMaskIntoARecurrentLayerIsRefusedWithAClearMessage) {
  auto ids = nn::Input({6});
  auto h = layers::Embedding(20, 8, /*mask_zero=*/true)(ids);
  auto model = std::make_shared<models::Model>(ids, layers::LSTM(nn::RecurrentOptions(4))(h));
  const auto path = temp_file("masked_lstm.onnx");
  const std::string message = strata::testing::error_of([&] { interop::export_onnx(*model, path.string()); });
  EXPECT_NE(message.find("padding-masked sequence (mask_zero) into a recurrent layer"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(path));
}
