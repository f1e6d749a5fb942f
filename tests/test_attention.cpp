// Scaled dot-product attention and the layers around it: finite-difference gradients of both
// outputs (with masks, causal, dropout), what masks promise (a padded key or a later step
// changes nothing it must not), bad input, and a transformer block that learns a task needing
// attention over positions, with its sublayers visible to summary, freezing and per-layer rates.
#include <gtest/gtest.h>

#include "gradcheck.h"
#include "test_helpers.h"

#include "strata/models/model.h"
#include "strata/models/transfer.h"
#include "strata/models/transformer.h"
#include "strata/nn/layers.h"
#include "strata/tensor/math.h"
#include "strata/train/training.h"

using namespace strata;
using V = std::vector<Variable>;

namespace {

Tensor randn(const Shape& s, std::uint64_t seed) {
  Generator gen(seed);
  return Tensor::normal(s, 0, 1, DType::f64, &gen);
}

void expect_error(const std::function<void()>& fn, const std::string& part) {
  const std::string message = strata::testing::error_of(fn);
  EXPECT_NE(message.find(part), std::string::npos) << "expected an error containing '" << part << "', got '" << message << "'";
}

// Padding mask [2, 1, 5] for 4 batches (2 heads share each): example 0 sees every key, example 1
// the first 3.
Tensor key_padding_mask() { return Tensor::from_vector<float>({1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, {2, 1, 5}); }

}  // namespace

TEST(Attention, GradientsOfOutputAndWeightsWithMaskAndCausal) {
  for (bool causal : {false, true}) {
    SCOPED_TRACE(causal ? "causal" : "padding mask");
    ops::AttentionOptions o;
    o.mask = key_padding_mask();
    o.causal = causal;
    strata::testing::expect_gradients_match(
        [&](const V& v) {
          const ops::Attention a = ops::scaled_dot_product_attention(v[0], v[1], v[2], o);
          // Both outputs, so the weights' own backward is checked too.
          return ops::add(ops::sum(a.output, {2}), ops::sum(ops::mul_scalar(a.weights, 3.0), {2}));
        },
        {randn({4, 5, 3}, 1), randn({4, 5, 3}, 2), randn({4, 5, 2}, 3)}, 1e-6, 1e-5);
  }
}

TEST(Attention, GradientWithDropoutUsesTheForwardMask) {
  Generator gen(5);
  ops::AttentionOptions o;
  o.dropout = 0.4;
  o.training = true;
  o.generator = &gen;
  strata::testing::expect_gradients_match(
      [&](const V& v) {
        gen.seed(5);  // the same dropped weights in every evaluation
        return ops::scaled_dot_product_attention(v[0], v[1], v[2], o).output;
      },
      {randn({2, 4, 3}, 4), randn({2, 6, 3}, 5), randn({2, 6, 2}, 6)}, 1e-6, 1e-5);
}

TEST(Attention, WeightsAreTheMaskedSoftmax) {
  const Tensor q = randn({4, 5, 3}, 7), k = randn({4, 5, 3}, 8), v = randn({4, 5, 2}, 9);
  ops::AttentionOptions o;
  o.mask = key_padding_mask();
  o.causal = true;
  const ops::Attention a = ops::scaled_dot_product_attention(Variable(q), Variable(k), Variable(v), o);
  const Tensor w = a.weights.value();
  // Reference: softmax(q k^T / sqrt(3)) over the allowed keys, written out.
  for (std::int64_t b = 0; b < 4; ++b)
    for (std::int64_t t = 0; t < 5; ++t) {
      std::vector<double> e(5, 0.0);
      double total = 0;
      for (std::int64_t s = 0; s < 5; ++s) {
        const bool allowed = s <= t && (b < 2 || s < 3);
        if (!allowed) continue;
        double dot = 0;
        for (std::int64_t d = 0; d < 3; ++d) dot += q.at({b, t, d}) * k.at({b, s, d});
        e[s] = std::exp(dot / std::sqrt(3.0));
        total += e[s];
      }
      for (std::int64_t s = 0; s < 5; ++s) EXPECT_NEAR(w.at({b, t, s}), e[s] / total, 1e-12) << b << " " << t << " " << s;
    }
}

TEST(Attention, AQueryThatMaySeeNoKeyGetsZeros) {
  ops::AttentionOptions o;
  o.mask = Tensor::from_vector<float>({1, 1, 0, 0, 0, 0}, {1, 2, 3});  // query 1 may see nothing
  Variable q(randn({1, 2, 4}, 1), true), k(randn({1, 3, 4}, 2), true), v(randn({1, 3, 2}, 3), true);
  const ops::Attention a = ops::scaled_dot_product_attention(q, k, v, o);
  EXPECT_EQ(a.weights.value().select(1, 1).to_vector<double>(), std::vector<double>(3, 0.0));
  EXPECT_EQ(a.output.value().select(1, 1).to_vector<double>(), std::vector<double>(2, 0.0));
  ops::sum(a.output).backward();
  for (double g : q.grad().to_vector<double>()) EXPECT_TRUE(std::isfinite(g));
}

TEST(Attention, BadInputIsAClearError) {
  const Variable q(Tensor::zeros({2, 3, 4})), k(Tensor::zeros({2, 5, 4})), v(Tensor::zeros({2, 5, 6}));
  expect_error([&] { ops::scaled_dot_product_attention(q, Variable(Tensor::zeros({2, 5, 3})), v); },
                                "query and key depths differ");
  expect_error([&] { ops::scaled_dot_product_attention(q, k, Variable(Tensor::zeros({2, 4, 6}))); },
                                "key and value lengths differ");
  ops::AttentionOptions o;
  o.mask = Tensor::ones({3, 1, 5});
  expect_error([&] { ops::scaled_dot_product_attention(q, k, v, o); }, "the mask must be [M, 3 or 1, 5]");
  auto mha = layers::MultiHeadAttention(2, 4);
  expect_error([&] { mha->call({q}, false); }, "expects [query, value] or [query, value, key]");
  expect_error([] { layers::MultiHeadAttention(0, 4); }, "num_heads must be positive");
  expect_error([] { layers::TokenAndPositionEmbedding(10, 4, 8)(Variable(Tensor::zeros({1, 6}))); },
                                "the sequence has 6 steps but the layer holds 4 positions");
}

TEST(MultiHeadAttention, PaddedKeysAndLaterStepsChangeNothingTheyMustNot) {
  // Token ids with padding (0) at the end of example 1; the padded tokens' ids change.
  auto embed = layers::Embedding(10, 8, /*mask_zero=*/true);
  auto mha = layers::MultiHeadAttention(2, 4);
  const Tensor ids = Tensor::from_vector<float>({3, 1, 4, 1, 5, 9, 2, 6, 0, 0}, {2, 5});
  const Variable h = embed(Variable(ids));
  ASSERT_TRUE(h.mask().defined());
  const Tensor y = mha->call({h, h}, false).value();
  // Same tokens, but the padded positions' vectors replaced by noise (mask unchanged).
  Variable noisy(add(h.value(), mul(randn({2, 5, 8}, 3).to(DType::f32), Tensor::from_vector<float>({0, 0, 0, 0, 0, 0, 0, 0, 1, 1}, {2, 5, 1}))));
  noisy.set_mask(h.mask());
  const Tensor y2 = mha->call({noisy, noisy}, false).value();
  EXPECT_LT(max_abs_diff(y.slice(1, 0, 3), y2.slice(1, 0, 3)), 1e-6);  // the real steps of example 1 and all of 0
  EXPECT_GT(max_abs_diff(y.slice(0, 1, 2).slice(1, 3, 5), y2.slice(0, 1, 2).slice(1, 3, 5)), 1e-3);  // padded rows do move
  ASSERT_TRUE(mha->call({h, h}, false).mask().defined());  // the query's mask travels on

  // Causal: changing the last step leaves every earlier output as it was.
  auto causal = layers::MultiHeadAttention(nn::MultiHeadAttentionOptions(2, 4).use_causal_mask(true));
  const Tensor x = randn({1, 6, 8}, 4).to(DType::f32);
  Tensor x2 = x.clone();
  x2.slice(1, 5, 6).copy_(randn({1, 1, 8}, 5).to(DType::f32));
  const Tensor c1 = causal->call({Variable(x), Variable(x)}, false).value();
  const Tensor c2 = causal->call({Variable(x2), Variable(x2)}, false).value();
  EXPECT_EQ(c1.slice(1, 0, 5).to_vector<float>(), c2.slice(1, 0, 5).to_vector<float>());
  EXPECT_GT(max_abs_diff(c1.slice(1, 5, 6), c2.slice(1, 5, 6)), 1e-3);
}

namespace {

// Sequences of 5-8 tokens from {3, 4, 5} with one 1 and one 2 placed at random, padded with 0 to
// 8; the label is whether the 1 comes before the 2: a question about positions that a model can
// answer only by relating two steps.
void order_task(std::int64_t n, std::uint64_t seed, Tensor& ids, Tensor& labels) {
  Generator gen(seed);
  std::vector<float> v(n * 8, 0.0f);
  std::vector<std::int64_t> y(n);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto len = static_cast<std::int64_t>(5 + gen.below(4));
    for (std::int64_t t = 0; t < len; ++t) v[i * 8 + t] = static_cast<float>(3 + gen.below(3));
    const auto a = static_cast<std::int64_t>(gen.below(len));
    auto b = static_cast<std::int64_t>(gen.below(len - 1));
    if (b >= a) ++b;
    v[i * 8 + a] = 1;
    v[i * 8 + b] = 2;
    y[i] = a < b ? 1 : 0;
  }
  ids = Tensor::from_vector(v, {n, 8});
  labels = Tensor::from_vector(y, {n});
}

std::shared_ptr<models::Model> order_classifier() {
  auto ids = nn::Input({8});
  auto h = layers::TokenAndPositionEmbedding(6, 8, 16, /*mask_zero=*/true)(ids);
  h = models::transformer_encoder(h, models::TransformerEncoderOptions(2, 32).dropout(0.0).name("encoder_0"));
  auto out = layers::Dense(nn::DenseOptions(2).activation("softmax"))(layers::Flatten()(h));
  return std::make_shared<models::Model>(ids, out);
}

}  // namespace

TEST(TransformerEncoder, LearnsATaskThatNeedsAttentionOverPositions) {
  manual_seed(3);
  Tensor x, y, xt, yt;
  order_task(2048, 1, x, y);
  order_task(512, 2, xt, yt);
  auto model = order_classifier();
  auto trainer = train::compile(model, "adam", "sparse_categorical_crossentropy", {"accuracy"}, 3e-3);
  trainer.fit(x, y, train::FitOptions().epochs(12).batch_size(64).verbose(0));
  const double accuracy = trainer.evaluate(xt, yt)["accuracy"];
  EXPECT_GT(accuracy, 0.9) << "test accuracy " << accuracy;  // chance is 0.5
}

TEST(TransformerEncoder, SublayersAreOrdinaryLayers) {
  auto model = order_classifier();
  const std::string summary = model->summary();
  for (const char* name : {"encoder_0_self_attention", "encoder_0_self_attention_norm", "encoder_0_ffn_intermediate",
                           "encoder_0_ffn_output", "encoder_0_ffn_norm"})
    EXPECT_NE(summary.find(name), std::string::npos) << name << " missing from\n" << summary;
  const auto all = model->count_trainable_params();
  EXPECT_EQ(models::set_trainable(*model, "encoder_0_.*", false), 9);
  // Left trainable: the embeddings (6*16 + 8*16) and the head (8*16*2 + 2).
  EXPECT_EQ(model->count_trainable_params(), 6 * 16 + 8 * 16 + 8 * 16 * 2 + 2);
  EXPECT_LT(model->count_trainable_params(), all);
  models::set_trainable(*model, ".*", true);
  const auto rates = models::layer_learning_rates(*model, {{"encoder_0_.*", 0.1}});
  EXPECT_EQ(std::count(rates.begin(), rates.end(), 0.1), 16);  // 8 attention + 2x2 dense + 2x2 norm weights
}
