// Values and gradients against PyTorch (the third oracle), from tests/golden/torch_golden.json
// made by tools/golden/make_golden.py. Each case runs twice: in f32 through the fast oneDNN
// kernels and in f64 through the reference kernels.
#include <gtest/gtest.h>

#include "test_helpers.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

using namespace strata;
using json = nlohmann::json;

namespace {

const json& golden() {
  static const json data = strata::testing::read_golden("torch_golden.json");
  return data;
}

Tensor tensor_of(const json& j, DType dtype) { return strata::testing::golden_tensor(j, dtype); }

double tolerance(DType dtype) { return dtype == DType::f32 ? 1e-4 : 1e-9; }

void expect_close(const Tensor& actual, const json& expected, DType dtype, const std::string& what) {
  strata::testing::expect_close_to_golden(actual, expected, tolerance(dtype), what);
}

class GoldenTorch : public ::testing::TestWithParam<DType> {};

}  // namespace

TEST_P(GoldenTorch, Conv2d) {
  const DType dt = GetParam();
  ASSERT_GE(golden()["conv2d"].size(), 6u);
  for (const auto& c : golden()["conv2d"]) {
    const std::string name = c["name"];
    Variable x(tensor_of(c["x"], dt), true), w(tensor_of(c["w"], dt), true);
    Variable b = c.contains("b") ? Variable(tensor_of(c["b"], dt), true) : Variable();
    ops::ConvGeometry o;
    o.stride(c["stride"][0], c["stride"][1]).dilation(c["dilation"][0], c["dilation"][1]).groups(c["groups"]);
    if (c["padding"].is_string())
      o.padding(c["padding"].get<std::string>());
    else
      o.padding(c["padding"][0], c["padding"][1]);
    Variable y = ops::conv2d(x, w, b, o);
    expect_close(y.value(), c["y"], dt, name + " y");
    y.backward(tensor_of(c["gy"], dt));
    expect_close(x.grad(), c["gx"], dt, name + " gx");
    expect_close(w.grad(), c["gw"], dt, name + " gw");
    if (b.defined()) expect_close(b.grad(), c["gb"], dt, name + " gb");
  }
}

TEST_P(GoldenTorch, Pool2d) {
  const DType dt = GetParam();
  ASSERT_GE(golden()["pool2d"].size(), 7u);
  for (const auto& c : golden()["pool2d"]) {
    const std::string name = c["name"];
    Variable x(tensor_of(c["x"], dt), true);
    const std::int64_t ph = c["padding"][0], pw = c["padding"][1];
    const ops::PoolWindow o{.kernel = {c["kernel"][0], c["kernel"][1]},
                            .stride = {c["stride"][0], c["stride"][1]},
                            .padding = "explicit",
                            .pads = {{ph, ph}, {pw, pw}},
                            .ceil_mode = c["ceil_mode"],
                            .count_include_pad = c["count_include_pad"]};
    Variable y = c["kind"] == "max" ? ops::max_pool(x, o) : ops::avg_pool(x, o);
    expect_close(y.value(), c["y"], dt, name + " y");
    y.backward(tensor_of(c["gy"], dt));
    expect_close(x.grad(), c["gx"], dt, name + " gx");
  }
}

TEST_P(GoldenTorch, BatchNorm) {
  const DType dt = GetParam();
  ASSERT_GE(golden()["batch_norm"].size(), 3u);
  for (const auto& c : golden()["batch_norm"]) {
    const std::string name = c["name"];
    Variable x(tensor_of(c["x"], dt), true), gamma(tensor_of(c["gamma"], dt), true), beta(tensor_of(c["beta"], dt), true);
    Tensor running_mean = tensor_of(c["running_mean_before"], dt), running_var = tensor_of(c["running_var_before"], dt);
    Variable y = ops::batch_norm(x, gamma, beta, running_mean, running_var, c["training"], c["momentum"], c["eps"]);
    expect_close(y.value(), c["y"], dt, name + " y");
    expect_close(running_mean, c["running_mean_after"], dt, name + " running_mean");
    expect_close(running_var, c["running_var_after"], dt, name + " running_var");
    y.backward(tensor_of(c["gy"], dt));
    expect_close(x.grad(), c["gx"], dt, name + " gx");
    expect_close(gamma.grad(), c["ggamma"], dt, name + " ggamma");
    expect_close(beta.grad(), c["gbeta"], dt, name + " gbeta");
  }
}

TEST_P(GoldenTorch, CrossEntropy) {
  const DType dt = GetParam();
  ASSERT_GE(golden()["cross_entropy"].size(), 4u);
  for (const auto& c : golden()["cross_entropy"]) {
    const std::string name = c["name"];
    Variable logits(tensor_of(c["logits"], dt), true);
    const auto labels = c["labels"].get<std::vector<std::int64_t>>();
    const std::int64_t n = logits.size(0), k = logits.size(1);
    Tensor targets = Tensor::from_vector(labels, {n});
    if (c["one_hot"]) {
      Tensor one_hot = Tensor::zeros({n, k}, dt);
      for (std::int64_t i = 0; i < n; ++i) one_hot.slice(0, i, i + 1).slice(1, labels[i], labels[i] + 1).fill_(1.0);
      targets = one_hot;
    }
    Variable loss = ops::softmax_cross_entropy(logits, targets, c["label_smoothing"]);
    EXPECT_NEAR(loss.value().item(), c["loss"].get<double>(), tolerance(dt) * std::max(1.0, std::fabs(c["loss"].get<double>())))
        << name;
    loss.backward();
    expect_close(logits.grad(), c["glogits"], dt, name + " glogits");
  }
}

INSTANTIATE_TEST_SUITE_P(FastF32AndReferenceF64, GoldenTorch, ::testing::Values(DType::f32, DType::f64),
                         [](const auto& info) { return dtype_name(info.param); });
