// Keras configs of the layers added in nn/layers/ import as those layers: a Keras 3-style
// Sequential (initializers written as objects, as Keras writes them; channels-last kernels)
// built by keras::build_model, compared with the same network built directly in Strata.
#include <gtest/gtest.h>

#include "strata/interop/keras_layers.h"
#include "strata/nn/layers.h"
#include "strata/tensor/math.h"

using namespace strata;
using Json = nlohmann::json;

namespace {
Json initializer(const char* class_name) { return {{"module", "keras.initializers"}, {"class_name", class_name}, {"config", Json::object()}}; }
}  // namespace

TEST(KerasImport, NormalizationAndTransposedConvolutionLayers) {
  manual_seed(12);
  const Json layers = Json::array({
      {{"class_name", "InputLayer"}, {"config", {{"name", "input"}, {"batch_shape", {nullptr, 4, 5, 2}}}}},
      {{"class_name", "LayerNormalization"},
       {"config", {{"name", "ln"}, {"axis", -1}, {"epsilon", 1e-5}, {"center", true}, {"scale", true},
                   {"beta_initializer", initializer("Zeros")}, {"gamma_initializer", initializer("Ones")}}}},
      {{"class_name", "Conv2DTranspose"},
       {"config", {{"name", "up"}, {"filters", 4}, {"kernel_size", {3, 3}}, {"strides", {2, 2}}, {"padding", "same"},
                   {"output_padding", nullptr}, {"activation", "linear"}, {"use_bias", true},
                   {"kernel_initializer", initializer("GlorotUniform")}}}},
      {{"class_name", "GroupNormalization"},
       {"config", {{"name", "gn"}, {"groups", 2}, {"axis", -1}, {"epsilon", 1e-3},
                   {"beta_initializer", initializer("Zeros")}, {"gamma_initializer", initializer("Ones")}}}},
      {{"class_name", "UnitNormalization"}, {"config", {{"name", "unit"}, {"axis", -1}}}},
  });
  const Json config = {{"class_name", "Sequential"}, {"config", {{"name", "net"}, {"layers", layers}}}};
  // Keras' layouts: per-channel vectors, and the transposed kernel as (kh, kw, filters, in).
  const Tensor ln_gamma = Tensor::uniform({2}, 0.5, 1.5), ln_beta = Tensor::normal({2}, 0, 1);
  const Tensor kernel = Tensor::normal({3, 3, 4, 2}, 0, 0.5), bias = Tensor::normal({4}, 0, 1);
  const Tensor gn_gamma = Tensor::uniform({4}, 0.5, 1.5), gn_beta = Tensor::normal({4}, 0, 1);
  const interop::keras::ModelWeights weights = {{"ln", {{"gamma", ln_gamma}, {"beta", ln_beta}}},
                                                 {"up", {{"kernel", kernel}, {"bias", bias}}},
                                                 {"gn", {{"gamma", gn_gamma}, {"beta", gn_beta}}}};
  auto imported = interop::keras::build_model(config, weights, "test model");

  // The same network in Strata's channels-first terms: Keras' channel axis -1 is axis 1.
  auto in = nn::Input({2, 4, 5});
  auto ln = layers::LayerNormalization(nn::LayerNormalizationOptions().axis({1}).epsilon(1e-5));
  auto up = layers::Conv2DTranspose(4, 3, 2, "same");
  auto gn = layers::GroupNormalization(2);
  auto out = layers::UnitNormalization({1})(gn(up(ln(in))));
  models::Model expected(in, out);
  expected.call({Variable(Tensor::zeros({1, 2, 4, 5}))}, false);
  ln->weights()[0]->variable.mutable_value().copy_(ln_gamma);
  ln->weights()[1]->variable.mutable_value().copy_(ln_beta);
  up->weights()[0]->variable.mutable_value().copy_(kernel.permute({3, 2, 0, 1}).contiguous());
  up->weights()[1]->variable.mutable_value().copy_(bias);
  gn->weights()[0]->variable.mutable_value().copy_(gn_gamma);
  gn->weights()[1]->variable.mutable_value().copy_(gn_beta);

  const Tensor x = Tensor::normal({2, 2, 4, 5}, 0, 1);
  const Tensor got = imported->call({Variable(x)}, false).value(), want = expected.call({Variable(x)}, false).value();
  ASSERT_EQ(got.shape(), (Shape{2, 4, 8, 10}));
  EXPECT_LT(max_abs_diff(got, want), 1e-6);
}
