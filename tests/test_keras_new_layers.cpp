// Keras configs of the layers added in nn/layers/ import as those layers: Keras 3-style
// Sequentials (initializers written as objects, as Keras writes them; channels-last kernels)
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

// Sequences stay (steps, channels) in an imported model, as Keras has them; the 1-D layers run
// channels-first between permutes and give what the same layers built in Strata give on the
// transposed input. Keras' 1-D kernels are (k, in, out); depthwise (k, in, multiplier).
TEST(KerasImport, SequenceConvolutionAndPoolingLayers) {
  manual_seed(13);
  const Json layers = Json::array({
      {{"class_name", "InputLayer"}, {"config", {{"name", "input"}, {"batch_shape", {nullptr, 10, 3}}}}},
      {{"class_name", "Conv1D"},
       {"config", {{"name", "conv"}, {"filters", 4}, {"kernel_size", {3}}, {"strides", {1}}, {"padding", "causal"},
                   {"dilation_rate", {2}}, {"groups", 1}, {"activation", "relu"}, {"use_bias", true},
                   {"kernel_initializer", initializer("GlorotUniform")}}}},
      {{"class_name", "MaxPooling1D"}, {"config", {{"name", "pool"}, {"pool_size", {2}}, {"strides", {2}}, {"padding", "valid"}}}},
      {{"class_name", "SeparableConv1D"},
       {"config", {{"name", "sep"}, {"filters", 5}, {"kernel_size", {3}}, {"padding", "same"}, {"depth_multiplier", 2},
                   {"activation", "linear"}, {"use_bias", true}}}},
      {{"class_name", "GlobalAveragePooling1D"}, {"config", {{"name", "gap"}, {"keepdims", false}}}},
      {{"class_name", "Dense"}, {"config", {{"name", "out"}, {"units", 2}, {"activation", "linear"}}}},
  });
  const Json config = {{"class_name", "Sequential"}, {"config", {{"name", "net"}, {"layers", layers}}}};
  const Tensor kernel = Tensor::normal({3, 3, 4}, 0, 0.5), bias = Tensor::normal({4}, 0, 1);
  const Tensor depthwise = Tensor::normal({3, 4, 2}, 0, 0.5), pointwise = Tensor::normal({1, 8, 5}, 0, 0.5);
  const Tensor sep_bias = Tensor::normal({5}, 0, 1), dense = Tensor::normal({5, 2}, 0, 0.5), dense_bias = Tensor::normal({2}, 0, 1);
  const interop::keras::ModelWeights weights = {
      {"conv", {{"kernel", kernel}, {"bias", bias}}},
      {"sep", {{"depthwise_kernel", depthwise}, {"pointwise_kernel", pointwise}, {"bias", sep_bias}}},
      {"out", {{"kernel", dense}, {"bias", dense_bias}}}};
  auto imported = interop::keras::build_model(config, weights, "test model");
  EXPECT_EQ(imported->input_shape(), (Shape{10, 3}));

  auto in = nn::Input({3, 10});
  auto conv = layers::Conv1D(nn::Conv1DOptions(4, 3).padding("causal").dilation_rate({2}).activation("relu"));
  auto sep = layers::SeparableConv1D(nn::Conv1DOptions(5, 3).padding("same").depth_multiplier(2));
  auto head = layers::Dense(2);
  models::Model expected(in, head(layers::GlobalAveragePooling1D()(sep(layers::MaxPooling1D(2)(conv(in))))));
  expected.call({Variable(Tensor::zeros({1, 3, 10}))}, false);
  conv->weights()[0]->variable.mutable_value().copy_(kernel.permute({2, 1, 0}).contiguous());  // (out, in, k)
  conv->weights()[1]->variable.mutable_value().copy_(bias);
  // (k, in, mult) -> (in*mult, 1, k): channel c*mult + m is input c's m-th filter.
  sep->weights()[0]->variable.mutable_value().copy_(depthwise.reshape({3, 8}).permute({1, 0}).contiguous().reshape({8, 1, 3}));
  sep->weights()[1]->variable.mutable_value().copy_(pointwise.permute({2, 1, 0}).contiguous());
  sep->weights()[2]->variable.mutable_value().copy_(sep_bias);
  head->weights()[0]->variable.mutable_value().copy_(dense);
  head->weights()[1]->variable.mutable_value().copy_(dense_bias);

  const Tensor x = Tensor::normal({2, 10, 3}, 0, 1);
  const Tensor got = imported->call({Variable(x)}, false).value();
  const Tensor want = expected.call({Variable(x.permute({0, 2, 1}).contiguous())}, false).value();
  ASSERT_EQ(got.shape(), (Shape{2, 2}));
  EXPECT_LT(max_abs_diff(got, want), 1e-5);
}

// Volumes import channels-first from the input on, as images do: Keras' (D, H, W, C) input is
// Strata's (C, D, H, W); 3-D kernels are (kd, kh, kw, in, out).
TEST(KerasImport, VolumeConvolutionAndPoolingLayers) {
  manual_seed(14);
  const Json layers = Json::array({
      {{"class_name", "InputLayer"}, {"config", {{"name", "input"}, {"batch_shape", {nullptr, 4, 5, 6, 2}}}}},
      {{"class_name", "Conv3D"},
       {"config", {{"name", "conv"}, {"filters", 3}, {"kernel_size", {2, 2, 3}}, {"strides", {1, 1, 1}}, {"padding", "same"},
                   {"activation", "tanh"}, {"use_bias", true}}}},
      {{"class_name", "AveragePooling3D"}, {"config", {{"name", "pool"}, {"pool_size", {2, 2, 2}}, {"strides", nullptr}, {"padding", "valid"}}}},
      {{"class_name", "Conv3DTranspose"},
       {"config", {{"name", "up"}, {"filters", 2}, {"kernel_size", {2, 2, 2}}, {"strides", {2, 2, 2}}, {"padding", "valid"},
                   {"activation", "linear"}, {"use_bias", false}}}},
      {{"class_name", "GlobalMaxPooling3D"}, {"config", {{"name", "gmp"}}}},
  });
  const Json config = {{"class_name", "Sequential"}, {"config", {{"name", "net"}, {"layers", layers}}}};
  const Tensor kernel = Tensor::normal({2, 2, 3, 2, 3}, 0, 0.5), bias = Tensor::normal({3}, 0, 1);
  const Tensor up_kernel = Tensor::normal({2, 2, 2, 2, 3}, 0, 0.5);  // (kd, kh, kw, filters, in)
  const interop::keras::ModelWeights weights = {{"conv", {{"kernel", kernel}, {"bias", bias}}}, {"up", {{"kernel", up_kernel}}}};
  auto imported = interop::keras::build_model(config, weights, "test model");
  EXPECT_EQ(imported->input_shape(), (Shape{2, 4, 5, 6}));

  auto in = nn::Input({2, 4, 5, 6});
  auto conv = layers::Conv3D(nn::Conv3DOptions(3, nn::Conv3DOptions::Size{2, 2, 3}).padding("same").activation("tanh"));
  auto up = layers::Conv3DTranspose(nn::Conv3DTransposeOptions(2, 2).stride(2).use_bias(false));
  models::Model expected(in, layers::GlobalMaxPooling3D()(up(layers::AveragePooling3D(2)(conv(in)))));
  expected.call({Variable(Tensor::zeros({1, 2, 4, 5, 6}))}, false);
  conv->weights()[0]->variable.mutable_value().copy_(kernel.permute({4, 3, 0, 1, 2}).contiguous());
  conv->weights()[1]->variable.mutable_value().copy_(bias);
  up->weights()[0]->variable.mutable_value().copy_(up_kernel.permute({4, 3, 0, 1, 2}).contiguous());  // (in, filters, *k)

  const Tensor x = Tensor::normal({2, 2, 4, 5, 6}, 0, 1);
  const Tensor got = imported->call({Variable(x)}, false).value(), want = expected.call({Variable(x)}, false).value();
  ASSERT_EQ(got.shape(), (Shape{2, 2}));
  EXPECT_LT(max_abs_diff(got, want), 1e-5);
}

// Padding, cropping, upsampling and spatial dropout of every rank import with Keras' argument
// forms (one integer, one pair, a pair per axis) and give what the Strata layers give.
TEST(KerasImport, PaddingCroppingUpsamplingAndSpatialDropout) {
  const auto sequential = [](Json input_shape, Json layers) {
    layers.insert(layers.begin(), Json{{"class_name", "InputLayer"}, {"config", {{"name", "input"}, {"batch_shape", input_shape}}}});
    return Json{{"class_name", "Sequential"}, {"config", {{"name", "net"}, {"layers", layers}}}};
  };
  const Json seq = sequential({nullptr, 5, 2}, Json::array({
      {{"class_name", "ZeroPadding1D"}, {"config", {{"name", "pad"}, {"padding", {2, 1}}}}},
      {{"class_name", "UpSampling1D"}, {"config", {{"name", "up"}, {"size", 2}}}},
      {{"class_name", "Cropping1D"}, {"config", {{"name", "crop"}, {"cropping", {1, 3}}}}},
      {{"class_name", "SpatialDropout1D"}, {"config", {{"name", "drop"}, {"rate", 0.5}}}},
  }));
  auto imported = interop::keras::build_model(seq, {}, "test model");
  const Tensor x = Tensor::normal({2, 5, 2}, 0, 1);
  // By hand, in Keras' (steps, channels): pad 2 + 1 steps, repeat each step twice, drop 1 + 3.
  Tensor padded = Tensor::zeros({2, 8, 2});
  padded.slice(1, 2, 7).copy_(x);
  Tensor up = Tensor::zeros({2, 16, 2});
  for (std::int64_t t = 0; t < 16; ++t) up.slice(1, t, t + 1).copy_(padded.slice(1, t / 2, t / 2 + 1));
  const Tensor want = up.slice(1, 1, 13).contiguous();
  const Tensor got = imported->call({Variable(x)}, false).value();
  ASSERT_EQ(got.shape(), want.shape());
  EXPECT_EQ(max_abs_diff(got, want), 0.0);

  const Json image = sequential({nullptr, 4, 6, 3}, Json::array({
      {{"class_name", "ZeroPadding2D"}, {"config", {{"name", "pad"}, {"padding", {{1, 0}, {2, 1}}}}}},
      {{"class_name", "UpSampling2D"}, {"config", {{"name", "up"}, {"size", {2, 1}}, {"interpolation", "bilinear"}}}},
      {{"class_name", "Cropping2D"}, {"config", {{"name", "crop"}, {"cropping", {1, 2}}}}},
  }));
  auto imported_image = interop::keras::build_model(image, {}, "test model");
  auto in = nn::Input({3, 4, 6});
  auto direct = std::make_shared<models::Model>(
      in, layers::Cropping<2>({{{1, 1}, {2, 2}}})(layers::make<nn::UpSampling2D>(nn::UpSampling2D::Size{2, 1}, "bilinear")(
              layers::ZeroPadding<2>({{{1, 0}, {2, 1}}})(in))));
  const Tensor xi = Tensor::normal({2, 3, 4, 6}, 0, 1);
  EXPECT_EQ(max_abs_diff(imported_image->call({Variable(xi)}, false).value(), direct->call({Variable(xi)}, false).value()), 0.0);
  EXPECT_EQ(imported_image->output_shape(), (Shape{3, 8, 5}));

  const Json volume = sequential({nullptr, 2, 3, 2, 1}, Json::array({
      {{"class_name", "UpSampling3D"}, {"config", {{"name", "up"}, {"size", {1, 2, 2}}}}},
      {{"class_name", "ZeroPadding3D"}, {"config", {{"name", "pad"}, {"padding", 1}}}},
      {{"class_name", "Cropping3D"}, {"config", {{"name", "crop"}, {"cropping", {{0, 1}, {1, 0}, {2, 2}}}}}},
      {{"class_name", "SpatialDropout3D"}, {"config", {{"name", "drop"}, {"rate", 0.2}}}},
  }));
  EXPECT_EQ(interop::keras::build_model(volume, {}, "test model")->output_shape(), (Shape{1, 3, 7, 2}));
}

// A Keras functional model with two outputs (Keras 2's inbound_nodes form) imports as a Strata
// model with both, in Keras' output order.
TEST(KerasImport, FunctionalModelsWithSeveralOutputs) {
  const auto inbound = [](const char* name) { return Json::array({Json::array({Json::array({name, 0, 0, Json::object()})})}); };
  const Json layers = Json::array({
      {{"class_name", "InputLayer"}, {"name", "x"}, {"config", {{"name", "x"}, {"batch_input_shape", {nullptr, 4}}}}, {"inbound_nodes", Json::array()}},
      {{"class_name", "Dense"}, {"name", "hidden"}, {"config", {{"name", "hidden"}, {"units", 3}, {"activation", "relu"}}}, {"inbound_nodes", inbound("x")}},
      {{"class_name", "Dense"}, {"name", "cls"}, {"config", {{"name", "cls"}, {"units", 2}, {"activation", "softmax"}}}, {"inbound_nodes", inbound("hidden")}},
      {{"class_name", "Dense"}, {"name", "value"}, {"config", {{"name", "value"}, {"units", 1}}}, {"inbound_nodes", inbound("hidden")}},
  });
  const Json config = {{"class_name", "Functional"},
                       {"config", {{"name", "two"}, {"layers", layers}, {"input_layers", {{"x", 0, 0}}},
                                   {"output_layers", {{"cls", 0, 0}, {"value", 0, 0}}}}}};
  interop::keras::ModelWeights weights;
  for (const auto& [name, in, out] : {std::tuple{"hidden", 4, 3}, std::tuple{"cls", 3, 2}, std::tuple{"value", 3, 1}})
    weights[name] = {{"kernel", Tensor::normal({in, out}, 0, 1)}, {"bias", Tensor::normal({out}, 0, 1)}};
  auto m = interop::keras::build_model(config, weights, "test model");
  EXPECT_EQ(m->output_names(), (std::vector<std::string>{"cls", "value"}));
  const auto outs = m->call_outputs({Variable(Tensor::normal({5, 4}, 0, 1))}, false);
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[0].shape(), (Shape{5, 2}));
  EXPECT_EQ(outs[1].shape(), (Shape{5, 1}));
}
