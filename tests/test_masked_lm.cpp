// Masked-language-model pieces: text::mask_tokens (BERT's 15% / 80-10-10 recipe, never padding
// or special tokens) and ops::sparse_crossentropy_ignoring (Keras' ignore_class, over sequences).
#include <gtest/gtest.h>

#include "gradcheck.h"
#include "test_helpers.h"

#include "strata/tensor/math.h"
#include "strata/text/masked_lm.h"

using namespace strata;

namespace {

// 400 rows of 64 ids: [CLS]=2, regular tokens in [5, 100), [SEP]=3, then padding.
Tensor batch_of_ids(Generator& gen) {
  std::vector<float> v(400 * 64, 0.0f);
  for (int r = 0; r < 400; ++r) {
    const auto len = static_cast<int>(10 + gen.below(50));
    v[r * 64] = 2;
    for (int t = 1; t < len; ++t) v[r * 64 + t] = static_cast<float>(5 + gen.below(95));
    v[r * 64 + len] = 3;
  }
  return Tensor::from_vector(v, {400, 64});
}

text::MaskingOptions options() {
  text::MaskingOptions o;
  o.mask_id = 4;
  o.first_regular_id = 5;
  o.vocabulary_size = 100;
  return o;
}

}  // namespace

TEST(MaskTokens, FollowsBertsRecipeAndNeverPicksPaddingOrSpecialTokens) {
  Generator gen(1);
  const Tensor ids = batch_of_ids(gen);
  Generator mask_gen(2);
  const auto m = text::mask_tokens(ids, options(), mask_gen);
  const auto in = ids.to_vector<float>(), out = m.inputs.to_vector<float>();
  const auto targets = m.targets.to_vector<std::int64_t>();
  std::int64_t regular = 0, picked = 0, masked = 0, random = 0, kept = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] >= 5) ++regular;
    if (targets[i] == -1) {
      EXPECT_EQ(out[i], in[i]) << "an unpicked token changed at " << i;
      continue;
    }
    ASSERT_GE(in[i], 5) << "padding or a special token was picked at " << i;
    EXPECT_EQ(targets[i], static_cast<std::int64_t>(in[i]));
    ++picked;
    if (out[i] == 4) ++masked;
    else if (out[i] == in[i]) ++kept;
    else ++random;
    EXPECT_TRUE(out[i] == 4 || (out[i] >= 5 && out[i] < 100));
  }
  EXPECT_EQ(picked, m.picked);
  // ~13,800 regular tokens: the rates hold to about 3 standard errors.
  EXPECT_NEAR(static_cast<double>(picked) / regular, 0.15, 0.01);
  EXPECT_NEAR(static_cast<double>(masked) / picked, 0.8, 0.03);
  EXPECT_NEAR(static_cast<double>(random) / picked, 0.1, 0.025);  // a random draw can equal the original (1%)
  EXPECT_NEAR(static_cast<double>(kept) / picked, 0.1, 0.025);
  // Every row has a target; the same seed gives the same corruption.
  for (int r = 0; r < 400; ++r) {
    bool any = false;
    for (int t = 0; t < 64; ++t) any = any || targets[r * 64 + t] != -1;
    EXPECT_TRUE(any) << "row " << r;
  }
  Generator again(2);
  EXPECT_EQ(text::mask_tokens(ids, options(), again).inputs.to_vector<float>(), out);
  auto bad = options();
  bad.rate = 1.5;
  EXPECT_NE(strata::testing::error_of([&] { text::mask_tokens(ids, bad, again); }).find("rate must be in (0, 1)"),
            std::string::npos);
  EXPECT_NE(strata::testing::error_of([&] { text::mask_tokens(Tensor::full({1, 3}, 500.0), options(), again); })
                .find("is not a token of the vocabulary of 100"),
            std::string::npos);
}

TEST(SparseCrossentropyIgnoring, MeanOverTheKeptPositionsWithItsGradient) {
  Generator gen(3);
  const Tensor logits = Tensor::normal({2, 3, 4}, 0, 1, DType::f64, &gen);
  const Tensor labels = Tensor::from_vector<std::int64_t>({1, -1, 3, -1, -1, 0}, {2, 3});
  const double loss = ops::sparse_crossentropy_ignoring(Variable(logits), labels, -1, true).value().item();
  // By hand: -log softmax at the three kept positions, averaged over three.
  double expected = 0;
  const std::vector<std::array<std::int64_t, 3>> kept = {{0, 0, 1}, {0, 2, 3}, {1, 2, 0}};
  for (const auto& [n, t, c] : kept) {
    double total = 0;
    for (std::int64_t k = 0; k < 4; ++k) total += std::exp(logits.at({n, t, k}));
    expected -= std::log(std::exp(logits.at({n, t, c})) / total);
  }
  EXPECT_NEAR(loss, expected / 3, 1e-12);
  strata::testing::expect_gradients_match(
      [&](const std::vector<Variable>& v) { return ops::sparse_crossentropy_ignoring(v[0], labels, -1, true); },
      {logits});
  // Nothing kept: zero, not NaN.
  const Tensor none = Tensor::full({2, 3}, -1.0, DType::i64);
  EXPECT_EQ(ops::sparse_crossentropy_ignoring(Variable(logits), none, -1, true).value().item(), 0.0);
  EXPECT_NE(strata::testing::error_of([&] {
              ops::sparse_crossentropy_ignoring(Variable(logits), Tensor::zeros({5}, DType::i64), -1, true);
            }).find("6 predictions of 4 classes"),
            std::string::npos);
}
