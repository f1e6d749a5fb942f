// MultiHeadAttention and transformer_encoder against PyTorch's nn.MultiheadAttention and
// nn.TransformerEncoderLayer (same weights), forward, attention weights and every gradient, with
// and without padding and causal masks: tests/golden/torch_attention_golden.json, made by
// tools/golden/make_attention_golden.py. Each case runs in f32 and in f64.
#include <gtest/gtest.h>

#include "test_helpers.h"

#include "strata/models/model.h"
#include "strata/models/transformer.h"
#include "strata/nn/layers.h"

using namespace strata;

namespace {

const nlohmann::json& golden() {
  static const nlohmann::json data = strata::testing::read_golden("torch_attention_golden.json");
  return data;
}

Shape example_shape(const Variable& v) { return Shape(v.shape().begin() + 1, v.shape().end()); }

class GoldenAttention : public ::testing::TestWithParam<DType> {};

}  // namespace

TEST_P(GoldenAttention, MatchPyTorch) {
  const DType dt = GetParam();
  const double tolerance = dt == DType::f32 ? 2e-4 : 1e-9;
  ASSERT_GE(golden()["cases"].size(), 7u);
  for (const auto& c : golden()["cases"]) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    const auto& in = c["inputs"];
    Variable query(strata::testing::golden_tensor(in["query"], dt), true);
    Variable value = in.contains("value") ? Variable(strata::testing::golden_tensor(in["value"], dt), true) : query;
    Variable key = in.contains("key") ? Variable(strata::testing::golden_tensor(in["key"], dt), true) : Variable();
    // PyTorch's key_padding_mask travels on the value, as Embedding(mask_zero)'s would.
    if (c.contains("mask")) value.set_mask(strata::testing::golden_tensor(c["mask"], DType::f32));

    std::vector<nn::Weight*> weights;  // in the golden file's names
    std::vector<std::string> weight_names;
    std::vector<Variable> outputs;
    nn::LayerPtr layer;  // owns the weights until the end of the case
    if (c["kind"] == "mha") {
      layer = nn::layer_from_config(c["layer"]);
      auto* mha = nn::as<nn::MultiHeadAttention>(layer);
      ASSERT_NE(mha, nullptr);
      std::vector<Shape> shapes{example_shape(query), example_shape(value)};
      if (key.defined()) shapes.push_back(example_shape(key));
      layer->build_if_needed(shapes);
      for (auto* w : layer->weights()) {
        weights.push_back(w);
        weight_names.push_back(w->name);
      }
      for (std::size_t i = 0; i < weights.size(); ++i) {
        ASSERT_TRUE(c["weights"].contains(weight_names[i])) << "no golden value for " << weight_names[i];
        weights[i]->variable = Variable(strata::testing::golden_tensor(c["weights"][weight_names[i]], dt), true);
      }
      outputs = mha->attend(query, value, key, Tensor(), /*training=*/true);
      strata::testing::expect_close_to_golden(outputs[1].value(), c["scores"], tolerance, name + " scores");
    } else {
      const auto& e = c["encoder"];
      auto x = nn::Input(example_shape(query));
      auto model = std::make_shared<models::Model>(
          x, models::transformer_encoder(x, models::TransformerEncoderOptions(e["num_heads"], e["intermediate_dim"])
                                                .normalize_first(e["normalize_first"])
                                                .dropout(0.0)
                                                .name(e["name"])));
      layer = model;
      for (const auto& nw : model->named_weights()) {
        ASSERT_TRUE(c["weights"].contains(nw.name)) << "no golden value for " << nw.name;
        nw.weight->variable = Variable(strata::testing::golden_tensor(c["weights"][nw.name], dt), true);
        weights.push_back(nw.weight);
        weight_names.push_back(nw.name);
      }
      EXPECT_EQ(weights.size(), c["weights"].size());
      outputs = {model->call({value}, /*training=*/true)};
      if (c.contains("mask")) {  // the padding mask comes out with the block's output
        ASSERT_TRUE(outputs[0].mask().defined());
        EXPECT_EQ(outputs[0].mask().to_vector<float>(), value.mask().to_vector<float>());
      }
    }
    strata::testing::expect_close_to_golden(outputs[0].value(), c["y"], tolerance, name + " y");
    Variable loss = ops::sum(ops::mul(outputs[0], Variable(strata::testing::golden_tensor(c["g_y"], dt))));
    if (c.contains("g_scores"))
      loss = ops::add(loss, ops::sum(ops::mul(outputs[1], Variable(strata::testing::golden_tensor(c["g_scores"], dt)))));
    loss.backward();
    strata::testing::expect_close_to_golden(query.grad(), c["input_grads"]["query"], tolerance, name + " grad query");
    if (in.contains("value"))
      strata::testing::expect_close_to_golden(value.grad(), c["input_grads"]["value"], tolerance, name + " grad value");
    if (in.contains("key"))
      strata::testing::expect_close_to_golden(key.grad(), c["input_grads"]["key"], tolerance, name + " grad key");
    for (std::size_t i = 0; i < weights.size(); ++i) {
      const std::string& w = weight_names[i];
      if (w.ends_with("key/bias")) {
        // Exactly zero in exact arithmetic (adding q.b to every score of a row leaves its
        // softmax unchanged), so only rounding remains: compare absolutely.
        EXPECT_LT(max(abs(weights[i]->variable.grad())).item(), tolerance) << name << " grad " << w;
        continue;
      }
      strata::testing::expect_close_to_golden(weights[i]->variable.grad(), c["grads"][weight_names[i]], tolerance,
                                              name + " grad " + w);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, GoldenAttention, ::testing::Values(DType::f32, DType::f64),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });
