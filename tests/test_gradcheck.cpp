// Every differentiable op against central finite differences in double precision.
#include "gradcheck.h"

using namespace strata;
using strata::testing::expect_gradients_match;
using strata::testing::random_input;
using V = std::vector<Variable>;

// ---------------------------------------------------------------- arithmetic and shape
TEST(GradCheck, BroadcastingArithmetic) {
  const auto a = random_input({2, 3, 4}, 1), b = random_input({3, 1}, 2, 0.5, 2.0);
  expect_gradients_match([](const V& v) { return ops::add(v[0], v[1]); }, {a, b});
  expect_gradients_match([](const V& v) { return ops::sub(v[0], v[1]); }, {a, b});
  expect_gradients_match([](const V& v) { return ops::mul(v[0], v[1]); }, {a, b});
  expect_gradients_match([](const V& v) { return ops::div(v[0], v[1]); }, {a, b});
  expect_gradients_match([](const V& v) { return ops::neg(ops::add_scalar(ops::mul_scalar(v[0], 3.0), 1.0)); }, {a});
}

TEST(GradCheck, UnaryMathAndReductions) {
  const auto a = random_input({3, 4}, 3, 0.2, 2.0);
  expect_gradients_match([](const V& v) { return ops::exp(v[0]); }, {a});
  expect_gradients_match([](const V& v) { return ops::log(v[0]); }, {a});
  expect_gradients_match([](const V& v) { return ops::pow(v[0], 2.5); }, {a});
  expect_gradients_match([](const V& v) { return ops::sum(v[0], {1}); }, {a});
  expect_gradients_match([](const V& v) { return ops::mean(v[0], {0}, true); }, {a});
  expect_gradients_match([](const V& v) { return ops::mean(v[0]); }, {a});
}

TEST(GradCheck, ShapeOps) {
  const auto a = random_input({2, 3, 4}, 4), b = random_input({2, 2, 4}, 5);
  expect_gradients_match([](const V& v) { return ops::reshape(v[0], {4, -1}); }, {a});
  expect_gradients_match([](const V& v) { return ops::flatten(v[0]); }, {a});
  expect_gradients_match([](const V& v) { return ops::permute(v[0], {2, 0, 1}); }, {a});
  expect_gradients_match([](const V& v) { return ops::transpose(v[0], 0, 2); }, {a});
  expect_gradients_match([](const V& v) { return ops::slice(v[0], 2, 1, 4, 2); }, {a});
  expect_gradients_match([](const V& v) { return ops::concat({v[0], v[1], v[0]}, 1); }, {a, b});
  expect_gradients_match(
      [](const V& v) {
        auto parts = ops::split(v[0], {1, 2}, 1);
        return ops::add(ops::mul_scalar(parts[0], 2.0), ops::sum(parts[1], {1}, true));
      },
      {a});
  expect_gradients_match([](const V& v) { return ops::pad(v[0], {{1, 2}, {0, 3}}, 0.5); }, {a});
}

TEST(GradCheck, MatmulAndLinear) {
  expect_gradients_match([](const V& v) { return ops::matmul(v[0], v[1]); },
                         {random_input({3, 4}, 6), random_input({4, 5}, 7)});
  expect_gradients_match([](const V& v) { return ops::matmul(v[0], v[1]); },
                         {random_input({2, 3, 4}, 8), random_input({2, 4, 2}, 9)});
  expect_gradients_match([](const V& v) { return ops::linear(v[0], v[1], v[2]); },
                         {random_input({5, 3}, 10), random_input({3, 4}, 11), random_input({4}, 12)});
}

// ---------------------------------------------------------------- convolution
namespace {
void check_conv(const Shape& x, const Shape& w, const ops::ConvGeometry& options, bool bias, std::uint64_t seed) {
  std::vector<Tensor> inputs{random_input(x, seed), random_input(w, seed + 1)};
  if (bias) inputs.push_back(random_input({w[0]}, seed + 2));
  expect_gradients_match(
      [&](const V& v) { return ops::conv2d(v[0], v[1], bias ? v[2] : Variable(), options); }, inputs);
}
}  // namespace

TEST(GradCheck, Conv2dPlain) { check_conv({2, 2, 5, 6}, {3, 2, 3, 2}, ops::ConvGeometry(), true, 20); }
TEST(GradCheck, Conv2dStride2) { check_conv({1, 2, 7, 7}, {2, 2, 3, 3}, ops::ConvGeometry().stride(2).padding(1), true, 21); }
TEST(GradCheck, Conv2dSamePadding) {
  check_conv({2, 2, 6, 5}, {2, 2, 4, 3}, ops::ConvGeometry().padding("same"), false, 22);
  check_conv({1, 1, 7, 8}, {2, 1, 3, 3}, ops::ConvGeometry().padding("same").stride(2), true, 23);
}
TEST(GradCheck, Conv2dDilation2) { check_conv({1, 2, 8, 8}, {2, 2, 3, 3}, ops::ConvGeometry().dilation(2).padding(2), true, 24); }
TEST(GradCheck, Conv2dGroups2) { check_conv({2, 4, 5, 5}, {4, 2, 3, 3}, ops::ConvGeometry().groups(2).padding(1), true, 25); }
TEST(GradCheck, Conv2dDepthwise) { check_conv({2, 3, 6, 6}, {3, 1, 3, 3}, ops::ConvGeometry().groups(3).stride(2).padding("same"), true, 26); }

// ---------------------------------------------------------------- pooling
TEST(GradCheck, MaxPool) {
  const auto x = random_input({2, 2, 7, 7}, 30);
  expect_gradients_match([](const V& v) { return ops::max_pool(v[0], {.kernel = {2, 2}}); }, {x});
  expect_gradients_match([](const V& v) { return ops::max_pool(v[0], {.kernel = {3, 3}, .stride = {2, 2}, .padding = "explicit", .pads = {{1, 1}, {1, 1}}}); }, {x});
  expect_gradients_match([](const V& v) { return ops::max_pool(v[0], {.kernel = {2, 3}, .stride = {2, 2}, .ceil_mode = true}); }, {x});
  expect_gradients_match([](const V& v) { return ops::max_pool(v[0], {.kernel = {3, 3}, .stride = {2, 2}, .padding = "same"}); }, {x});
}

TEST(GradCheck, AvgPool) {
  const auto x = random_input({2, 2, 7, 6}, 31);
  expect_gradients_match([](const V& v) { return ops::avg_pool(v[0], {.kernel = {2, 2}}); }, {x});
  expect_gradients_match([](const V& v) {
    return ops::avg_pool(v[0], {.kernel = {3, 3}, .stride = {2, 2}, .padding = "explicit", .pads = {{1, 1}, {1, 1}}, .count_include_pad = true});
  }, {x});
  expect_gradients_match([](const V& v) { return ops::avg_pool(v[0], {.kernel = {3, 3}, .stride = {2, 2}, .padding = "explicit", .pads = {{1, 1}, {1, 1}}}); }, {x});
  expect_gradients_match([](const V& v) {
    return ops::avg_pool(v[0], {.kernel = {3, 3}, .stride = {2, 2}, .padding = "explicit", .pads = {{1, 1}, {1, 1}}, .ceil_mode = true, .count_include_pad = true});
  }, {x});
}

TEST(GradCheck, GlobalPooling) {
  const auto x = random_input({2, 3, 4, 5}, 32);
  expect_gradients_match([](const V& v) { return ops::global_pool(v[0], kernels::PoolKind::avg); }, {x});
  expect_gradients_match([](const V& v) { return ops::global_pool(v[0], kernels::PoolKind::max, true); }, {x});
  const auto seq = random_input({2, 3, 7}, 33), volume = random_input({1, 2, 3, 4, 3}, 34);
  expect_gradients_match([](const V& v) { return ops::global_pool(v[0], kernels::PoolKind::max); }, {seq});
  expect_gradients_match([](const V& v) { return ops::global_pool(v[0], kernels::PoolKind::avg, true); }, {volume});
}

// ---------------------------------------------------------------- rank 1 and 3
TEST(GradCheck, Conv1dAnd3d) {
  const kernels::ConvNdGeometry seq{{2}, {2}, {3}, {1}, 2};  // stride 2, dilation 2, pads (3, 1), groups 2
  expect_gradients_match([&](const V& v) { return ops::conv(v[0], v[1], v[2], seq); },
                         {random_input({2, 4, 9}, 40), random_input({6, 2, 3}, 41), random_input({6}, 42)});
  const kernels::ConvNdGeometry vol{{1, 2, 1}, {1, 1, 2}, {1, 0, 2}, {0, 1, 1}, 1};
  expect_gradients_match([&](const V& v) { return ops::conv(v[0], v[1], Variable(), vol); },
                         {random_input({1, 2, 4, 5, 5}, 43), random_input({3, 2, 2, 3, 2}, 44)});
}

TEST(GradCheck, ConvTranspose1dAnd3d) {
  const kernels::ConvNdGeometry seq{{2}, {1}, {1}, {0}, 1};
  // in 5 -> out (5-1)*2 + 3 - 1 + 1 (output padding) = 11
  expect_gradients_match([&](const V& v) { return ops::conv_transpose(v[0], v[1], v[2], seq, {11}); },
                         {random_input({2, 3, 5}, 45), random_input({3, 2, 3}, 46), random_input({2}, 47)});
  const kernels::ConvNdGeometry vol{{2, 1, 2}, {1, 1, 1}, {0, 1, 0}, {0, 1, 0}, 1};
  expect_gradients_match([&](const V& v) { return ops::conv_transpose(v[0], v[1], Variable(), vol, {6, 3, 7}); },
                         {random_input({1, 2, 3, 3, 3}, 48), random_input({2, 2, 2, 3, 3}, 49)});
}

TEST(GradCheck, Pool1dAnd3dWithDilation) {
  const auto seq = random_input({2, 2, 11}, 50), volume = random_input({1, 2, 5, 4, 6}, 51);
  expect_gradients_match([](const V& v) { return ops::max_pool(v[0], {.kernel = {3}, .stride = {2}, .dilation = {2}}); },
                         {seq});
  expect_gradients_match([](const V& v) { return ops::avg_pool(v[0], {.kernel = {3}, .padding = "same"}); }, {seq});
  expect_gradients_match(
      [](const V& v) { return ops::max_pool(v[0], {.kernel = {2, 2, 3}, .stride = {1, 2, 2}, .ceil_mode = true}); },
      {volume});
  expect_gradients_match([](const V& v) {
    return ops::avg_pool(v[0], {.kernel = {3, 2, 2}, .stride = {2, 2, 2}, .padding = "explicit",
                                .pads = {{1, 1}, {0, 1}, {1, 0}}, .count_include_pad = true});
  }, {volume});
}

// ---------------------------------------------------------------- normalization and dropout
TEST(GradCheck, BatchNormTraining) {
  expect_gradients_match(
      [](const V& v) {
        Tensor rm = Tensor::zeros({3}, DType::f64), rv = Tensor::ones({3}, DType::f64);
        return ops::batch_norm(v[0], v[1], v[2], rm, rv, true);
      },
      {random_input({4, 3, 2, 3}, 40), random_input({3}, 41, 0.5, 1.5), random_input({3}, 42)}, 1e-6, 1e-4);
}

TEST(GradCheck, BatchNormInferenceAndRank2) {
  expect_gradients_match(
      [](const V& v) {
        Tensor rm = Tensor::from_vector<double>({0.1, -0.2}, {2}), rv = Tensor::from_vector<double>({0.5, 2.0}, {2});
        return ops::batch_norm(v[0], v[1], v[2], rm, rv, false);
      },
      {random_input({3, 2, 2, 2}, 43), random_input({2}, 44), random_input({2}, 45)});
  expect_gradients_match(
      [](const V& v) {
        Tensor rm = Tensor::zeros({4}, DType::f64), rv = Tensor::ones({4}, DType::f64);
        return ops::batch_norm(v[0], v[1], v[2], rm, rv, true);
      },
      {random_input({6, 4}, 46), random_input({4}, 47), random_input({4}, 48)}, 1e-6, 1e-4);
}

TEST(GradCheck, Dropout) {
  expect_gradients_match(
      [](const V& v) {
        Generator gen(5);  // the same mask on every evaluation
        return ops::dropout(v[0], 0.4, true, &gen);
      },
      {random_input({4, 5}, 50)});
}

// ---------------------------------------------------------------- activations
TEST(GradCheck, Activations) {
  // Values away from the kinks at 0 (and +-3, 6) where derivatives jump.
  Tensor x = random_input({3, 7}, 60, -4.0, 7.0);
  x = add(x, mul(sign(x), 0.05));
  for (auto kind : {kernels::ActivationKind::relu, kernels::ActivationKind::leaky_relu, kernels::ActivationKind::relu6,
                    kernels::ActivationKind::elu, kernels::ActivationKind::selu, kernels::ActivationKind::gelu,
                    kernels::ActivationKind::silu, kernels::ActivationKind::sigmoid, kernels::ActivationKind::tanh,
                    kernels::ActivationKind::softplus, kernels::ActivationKind::hard_sigmoid}) {
    SCOPED_TRACE(kernels::activation_name(kind));
    expect_gradients_match([kind](const V& v) { return ops::activation(kind, v[0], 0.2); }, {x});
  }
}

TEST(GradCheck, PReLU) {
  Tensor x = random_input({2, 3, 2, 2}, 61);
  x = add(x, mul(sign(x), 0.05));
  expect_gradients_match([](const V& v) { return ops::prelu(v[0], v[1]); }, {x, random_input({3}, 62, 0.0, 0.5)});
  expect_gradients_match([](const V& v) { return ops::prelu(v[0], v[1]); }, {x, random_input({1}, 63, 0.0, 0.5)});
}

TEST(GradCheck, SoftmaxAndLogSoftmax) {
  const auto x = random_input({3, 5}, 64, -3, 3);
  expect_gradients_match([](const V& v) { return ops::softmax(v[0]); }, {x});
  expect_gradients_match([](const V& v) { return ops::softmax(v[0], 0); }, {x});
  expect_gradients_match([](const V& v) { return ops::log_softmax(v[0]); }, {x});
  expect_gradients_match([](const V& v) { return ops::log_softmax(v[0], 1); }, {random_input({2, 4, 3}, 65)});
}

// ---------------------------------------------------------------- losses
TEST(GradCheck, CrossEntropyLosses) {
  const auto logits = random_input({4, 5}, 70, -3, 3);
  const Tensor labels = Tensor::from_vector<std::int64_t>({0, 4, 2, 2}, {4});
  const Tensor one_hot = Tensor::from_vector<double>({0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0.5, 0.5, 0, 0}, {4, 5});
  expect_gradients_match([&](const V& v) { return ops::softmax_cross_entropy(v[0], labels); }, {logits});
  expect_gradients_match([&](const V& v) { return ops::softmax_cross_entropy(v[0], labels, 0.1); }, {logits});
  expect_gradients_match([&](const V& v) { return ops::softmax_cross_entropy(v[0], one_hot, 0.2); }, {logits});
  expect_gradients_match(
      [&](const V& v) { return ops::softmax_cross_entropy(v[0], labels, 0.0, ops::Reduction::none); }, {logits});
  expect_gradients_match(
      [&](const V& v) { return ops::softmax_cross_entropy(v[0], labels, 0.0, ops::Reduction::sum); }, {logits});
}

TEST(GradCheck, BinaryAndRegressionLosses) {
  const auto pred = random_input({3, 4}, 71, -2, 2);
  const auto probs = random_input({3, 4}, 72, 0.05, 0.95);
  const auto target01 = random_input({3, 4}, 73, 0, 1);
  auto target = random_input({3, 4}, 74, -2, 2);
  target = add(target, mul(sign(sub(target, pred)), 0.05));  // keep |pred - target| off the MAE kink
  expect_gradients_match([&](const V& v) { return ops::binary_cross_entropy_with_logits(v[0], target01); }, {pred});
  expect_gradients_match([&](const V& v) { return ops::binary_cross_entropy(v[0], target01); }, {probs});
  expect_gradients_match([&](const V& v) { return ops::mse_loss(v[0], target); }, {pred});
  expect_gradients_match([&](const V& v) { return ops::mae_loss(v[0], target, ops::Reduction::sum); }, {pred});
  expect_gradients_match([&](const V& v) { return ops::huber_loss(v[0], target, 0.7); }, {pred});
}
