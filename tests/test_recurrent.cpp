// Recurrent cells over whole sequences: finite-difference gradient checks (every input,
// weight and initial state; masking, reversed processing, recurrent dropout) and PyTorch's
// nn.RNN / nn.LSTM / nn.GRU as the other oracle (tests/golden/torch_rnn_golden.json).
#include <gtest/gtest.h>

#include "gradcheck.h"
#include "test_helpers.h"

using namespace strata;
using strata::testing::expect_gradients_match;
using strata::testing::random_input;
using V = std::vector<Variable>;

namespace {

struct CellCase {
  const char* name;
  ops::RnnCell cell;
  bool reset_after;
};

int gates(ops::RnnCell c) { return c == ops::RnnCell::lstm ? 4 : c == ops::RnnCell::gru ? 3 : 1; }

// Every output of the op in one tensor, so one check covers the sequence and the final states.
Variable all_outputs(const std::vector<Variable>& r) {
  const std::int64_t B = r[0].size(0);
  std::vector<Variable> parts{ops::reshape(r[0], {B, -1})};
  for (std::size_t i = 1; i < r.size(); ++i) parts.push_back(r[i]);
  return ops::concat(parts, 1);
}

void check_cell(const CellCase& c, bool backwards, bool with_mask, bool with_states, bool with_dropout) {
  SCOPED_TRACE(std::string(c.name) + (backwards ? " backwards" : "") + (with_mask ? " masked" : "") +
               (with_states ? " with initial states" : "") + (with_dropout ? " with recurrent dropout" : ""));
  const std::int64_t B = 2, T = 4, F = 3, H = 2, G = gates(c.cell);
  ops::RnnOptions o;
  o.cell = c.cell;
  o.reset_after = c.reset_after;
  o.go_backwards = backwards;
  const bool two_biases = c.cell == ops::RnnCell::gru && c.reset_after;
  std::vector<Tensor> inputs{random_input({B, T, F}, 1), random_input({F, G * H}, 2), random_input({H, G * H}, 3),
                             random_input(two_biases ? Shape{2, G * H} : Shape{G * H}, 4)};
  const std::size_t states = c.cell == ops::RnnCell::lstm ? 2 : 1;
  if (with_states)
    for (std::size_t s = 0; s < states; ++s) inputs.push_back(random_input({B, H}, 5 + s));
  Tensor mask, rmask;
  if (with_mask) mask = Tensor::from_vector(std::vector<double>{1, 1, 0, 1, 1, 0, 0, 0}, {B, T});  // gaps and padding
  if (with_dropout) rmask = Tensor::from_vector(std::vector<double>{2, 0, 0, 2}, {B, H});
  expect_gradients_match(
      [&](const V& v) {
        std::vector<Variable> init(v.begin() + 4, v.end());
        return all_outputs(ops::rnn(v[0], init, v[1], v[2], v[3], o, mask, rmask));
      },
      inputs);
}

const CellCase kCells[] = {{"SimpleRNN", ops::RnnCell::simple, false},
                           {"LSTM", ops::RnnCell::lstm, false},
                           {"GRU reset_after", ops::RnnCell::gru, true},
                           {"GRU reset_before", ops::RnnCell::gru, false}};

}  // namespace

TEST(RecurrentGradCheck, WholeSequences) {
  for (const auto& c : kCells) check_cell(c, false, false, false, false);
}
TEST(RecurrentGradCheck, InitialStatesAndGoBackwards) {
  for (const auto& c : kCells) check_cell(c, true, false, true, false);
}
TEST(RecurrentGradCheck, MaskedSteps) {
  for (const auto& c : kCells) check_cell(c, false, true, true, false);
  for (const auto& c : kCells) check_cell(c, true, true, false, false);
}
TEST(RecurrentGradCheck, RecurrentDropoutMask) {
  for (const auto& c : kCells) check_cell(c, false, false, true, true);
}

TEST(Recurrent, MaskedStepsCarryTheStateOver) {
  const std::int64_t B = 1, T = 3, F = 2, H = 3;
  manual_seed(3);
  ops::RnnOptions o;
  o.cell = ops::RnnCell::lstm;
  const Variable x(Tensor::normal({B, T, F}, 0, 1)), k(Tensor::normal({F, 4 * H}, 0, 1)), u(Tensor::normal({H, 4 * H}, 0, 1));
  const auto masked = ops::rnn(x, {}, k, u, Variable(), o, Tensor::from_vector(std::vector<float>{1, 0, 0}, {B, T}));
  const auto first = ops::rnn(ops::slice(x, 1, 0, 1), {}, k, u, Variable(), o);
  // Not bit-equal: the input projection is one GEMM over all steps (M = 3 vs M = 1), and
  // oneDNN's kernels for the two shapes may round differently (they do on AVX2). The products
  // have K = 2 terms, so the two agree to a few f32 ulps; 1e-6 relative is that tight, while a
  // state that was not carried over differs at order 1.
  for (std::int64_t t = 0; t < T; ++t)
    EXPECT_TRUE(allclose(masked[0].value().select(1, t), first[1].value(), 1e-6, 1e-7)) << "step " << t;
  EXPECT_TRUE(allclose(masked[2].value(), first[2].value(), 1e-6, 1e-7));
}

// ---------------------------------------------------------------- against PyTorch
namespace {

using json = nlohmann::json;
using strata::testing::expect_close_to_golden;
using strata::testing::golden_tensor;

// PyTorch stacks gates along rows ([G*H, in]) in its order; Keras' layout is [in, G*H] in
// Keras' order. GRU: PyTorch (r, z, n) -> Keras (z, r, h); LSTM and RNN orders agree.
Tensor to_keras_layout(const Tensor& torch_rows, ops::RnnCell cell, DType dt) {
  const Tensor t = torch_rows.dim() == 1 ? torch_rows.reshape({torch_rows.size(0), 1}) : torch_rows;
  const std::int64_t H = t.size(0) / gates(cell);
  std::vector<std::int64_t> order{0, 1, 2, 3};
  if (cell == ops::RnnCell::gru) order = {1, 0, 2};
  std::vector<Tensor> blocks;
  for (int g = 0; g < gates(cell); ++g) blocks.push_back(t.slice(0, order[g] * H, (order[g] + 1) * H));
  Tensor keras = concat(blocks, 0).transpose(0, 1).contiguous().to(dt);
  return torch_rows.dim() == 1 ? keras.reshape({torch_rows.size(0)}) : keras;
}

class GoldenRnn : public ::testing::TestWithParam<DType> {};

}  // namespace

TEST_P(GoldenRnn, OutputsAndGradientsMatchPyTorch) {
  const DType dt = GetParam();
  const double tol = dt == DType::f32 ? 1e-4 : 1e-9;
  const json golden = strata::testing::read_golden("torch_rnn_golden.json");
  for (const auto& c : golden["cases"]) {
    const std::string kind = c["kind"];
    SCOPED_TRACE(kind);
    const ops::RnnCell cell = kind == "lstm" ? ops::RnnCell::lstm : kind == "gru" ? ops::RnnCell::gru : ops::RnnCell::simple;
    ops::RnnOptions o;
    o.cell = cell;
    o.reset_after = true;  // PyTorch's GRU applies the reset gate after the recurrent product
    Variable x(golden_tensor(c["x"], dt), true), h0(golden_tensor(c["h0"], dt), true);
    Variable kernel(to_keras_layout(golden_tensor(c["weight_ih_l0"]), cell, dt), true);
    Variable recurrent(to_keras_layout(golden_tensor(c["weight_hh_l0"]), cell, dt), true);
    const Tensor b_ih = to_keras_layout(golden_tensor(c["bias_ih_l0"]), cell, dt);
    const Tensor b_hh = to_keras_layout(golden_tensor(c["bias_hh_l0"]), cell, dt);
    const std::int64_t GH = b_ih.size(0);
    Variable bias(cell == ops::RnnCell::gru ? concat({b_ih.reshape({1, GH}), b_hh.reshape({1, GH})}, 0) : add(b_ih, b_hh), true);
    std::vector<Variable> states{h0};
    Variable c0;
    if (cell == ops::RnnCell::lstm) states.push_back(c0 = Variable(golden_tensor(c["c0"], dt), true));
    const auto r = ops::rnn(x, states, kernel, recurrent, bias, o);
    Variable loss = ops::add(ops::sum(ops::mul(r[0], Variable(golden_tensor(c["g_out"], dt)))),
                             ops::sum(ops::mul(r[1], Variable(golden_tensor(c["g_h"], dt)))));
    if (cell == ops::RnnCell::lstm) loss = ops::add(loss, ops::sum(ops::mul(r[2], Variable(golden_tensor(c["g_c"], dt)))));
    loss.backward();
    expect_close_to_golden(r[0].value(), c["output"], tol, "output sequence");
    expect_close_to_golden(r[1].value(), c["h_n"], tol, "final h");
    expect_close_to_golden(x.grad(), c["grad_x"], tol, "input gradient");
    expect_close_to_golden(h0.grad(), c["grad_h0"], tol, "initial h gradient");
    expect_close_to_golden(kernel.grad(), {{"shape", kernel.shape()}, {"data", to_keras_layout(golden_tensor(c["grad_weight_ih_l0"]), cell, DType::f64).to_vector<double>()}}, tol, "kernel gradient");
    expect_close_to_golden(recurrent.grad(), {{"shape", recurrent.shape()}, {"data", to_keras_layout(golden_tensor(c["grad_weight_hh_l0"]), cell, DType::f64).to_vector<double>()}}, tol, "recurrent kernel gradient");
    const Tensor gb_ih = to_keras_layout(golden_tensor(c["grad_bias_ih_l0"]), cell, DType::f64);
    const Tensor gb_hh = to_keras_layout(golden_tensor(c["grad_bias_hh_l0"]), cell, DType::f64);
    const Tensor expected_bias = cell == ops::RnnCell::gru ? concat({gb_ih.reshape({1, GH}), gb_hh.reshape({1, GH})}, 0) : gb_ih;
    expect_close_to_golden(bias.grad(), {{"shape", expected_bias.shape()}, {"data", expected_bias.to_vector<double>()}}, tol, "bias gradient");
    if (cell == ops::RnnCell::lstm) {
      expect_close_to_golden(r[2].value(), c["c_n"], tol, "final c");
      expect_close_to_golden(c0.grad(), c["grad_c0"], tol, "initial c gradient");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, GoldenRnn, ::testing::Values(DType::f32, DType::f64),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

// ---------------------------------------------------------------- layers
#include <fstream>

#include "strata/models/model.h"
#include "strata/nn/layers.h"
#include "strata/optim/optimizer.h"

namespace {

// Central differences on every weight of `layer` (converted to f64) for output = layer(x).
void check_layer_weights(nn::Layer& layer, const Variable& x, const std::string& what) {
  SCOPED_TRACE(what);
  layer.build_if_needed({Shape(x.shape().begin() + 1, x.shape().end())});
  for (auto* w : layer.weights()) w->variable = Variable(w->variable.value().to(DType::f64), true);
  Generator gen(5);
  Variable out = layer.call({x}, false);
  const Tensor r = Tensor::normal(out.shape(), 0, 1, DType::f64, &gen);
  ops::sum(ops::mul(out, Variable(r))).backward();
  for (auto* w : layer.weights()) {
    const auto analytic = w->variable.grad().to_vector<double>();
    double* p = w->variable.mutable_value().data<double>();
    for (std::int64_t j = 0; j < w->variable.numel(); ++j) {
      const double saved = p[j];
      NoGradGuard no_grad;
      p[j] = saved + 1e-6;
      const double plus = sum(mul(layer.call({x}, false).value(), r)).item();
      p[j] = saved - 1e-6;
      const double minus = sum(mul(layer.call({x}, false).value(), r)).item();
      p[j] = saved;
      EXPECT_NEAR(analytic[j], (plus - minus) / 2e-6, 1e-5 * (1 + std::fabs(analytic[j]))) << w->name << " element " << j;
    }
  }
}

std::size_t resident_kib() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * 4;
}

}  // namespace

TEST(RecurrentLayers, BidirectionalOverAMaskedEmbeddingPassesGradientChecks) {
  manual_seed(8);
  // Two sequences right-padded with index 0: lengths 4 and 2.
  const Tensor ids = Tensor::from_vector(std::vector<float>{3, 1, 4, 2, 5, 2, 0, 0}, {2, 4});
  auto embedding = layers::Embedding(6, 3, /*mask_zero=*/true);
  for (const char* merge : {"concat", "ave"}) {
    Variable embedded = embedding(Variable(ids), false);
    ASSERT_TRUE(embedded.mask().defined());
    EXPECT_EQ(embedded.mask().to_vector<float>(), (std::vector<float>{1, 1, 1, 1, 1, 1, 0, 0}));
    Variable x(embedded.value().to(DType::f64));
    x.set_mask(embedded.mask());
    auto bi = layers::Bidirectional(layers::LSTM(nn::RecurrentOptions(2).return_sequences(true)), merge);
    check_layer_weights(*bi, x, merge);
    // The padded steps do not change the real steps' outputs: the same as the short sequence alone.
    Variable full = bi(x, false);
    ASSERT_TRUE(full.mask().defined());
    Variable short_x(x.value().slice(0, 1, 2).slice(1, 0, 2).contiguous());
    Variable alone = bi(short_x, false);
    EXPECT_TRUE(allclose(full.value().slice(0, 1, 2).slice(1, 0, 2), alone.value(), 1e-12, 1e-12)) << merge;
  }
  auto gru = layers::GRU(nn::RecurrentOptions(2).return_sequences(true));
  Variable x(Tensor::normal({2, 4, 3}, 0, 1, DType::f64));
  x.set_mask(Tensor::from_vector(std::vector<float>{1, 1, 0, 1, 1, 1, 1, 0}, {2, 4}));
  check_layer_weights(*gru, x, "GRU with a mask");
}

TEST(RecurrentLayers, EmbeddingRejectsIndicesOutsideTheVocabulary) {
  auto e = layers::Embedding(5, 2);
  EXPECT_NE(strata::testing::error_of([&] { e(Variable(Tensor::from_vector(std::vector<float>{1, 5}, {1, 2}))); })
                .find("index 5 at position 1 is outside the vocabulary [0, 5)"),
            std::string::npos);
  EXPECT_NE(strata::testing::error_of([&] { e(Variable(Tensor::from_vector(std::vector<float>{1.5f, 1}, {1, 2}))); })
                .find("outside the vocabulary"),
            std::string::npos);
}

TEST(RecurrentLayers, TimeDistributedDenseEqualsDenseOnEveryStep) {
  manual_seed(2);
  auto dense = layers::Dense(3);
  auto td = layers::TimeDistributed(dense);
  Variable x(Tensor::normal({2, 5, 4}, 0, 1));
  const Tensor y = td(x).value();
  for (std::int64_t t = 0; t < 5; ++t)
    EXPECT_TRUE(allclose(y.select(1, t), dense(Variable(x.value().select(1, t).contiguous())).value(), 1e-6, 1e-6));
}

TEST(RecurrentLayers, DropoutOnlyInTrainingAndOneMaskPerSequence) {
  manual_seed(4);
  auto lstm = layers::LSTM(nn::RecurrentOptions(4).dropout(0.5).recurrent_dropout(0.3));
  Variable x(Tensor::normal({3, 6, 2}, 0, 1));
  const Tensor a = lstm(x, false).value(), b = lstm(x, false).value();
  EXPECT_EQ(a.to_vector<float>(), b.to_vector<float>());
  EXPECT_FALSE(allclose(lstm(x, true).value(), a, 1e-4, 1e-4));
}

// A 1,000-step sequence: trains (the whole sequence is one graph node, no recursion) and
// memory stays flat from step to step.
TEST(RecurrentLayers, ThousandStepSequenceTrainsWithoutGrowingMemory) {
  manual_seed(6);
  auto inputs = nn::Input({1000, 2});
  auto out = layers::Dense(1)(layers::LSTM(16)(inputs));
  auto model = std::make_shared<models::Model>(inputs, out);
  Variable x(Tensor::normal({4, 1000, 2}, 0, 1));
  const Tensor target = Tensor::normal({4, 1}, 0, 1);
  optim::Adam adam(model->trainable_variables(), 0.01);
  std::vector<double> losses;
  std::size_t rss_after_warmup = 0;
  for (int step = 0; step < 8; ++step) {
    Variable loss = ops::mse_loss(model->call({x}, true), target);
    loss.backward();
    adam.step();
    adam.zero_grad();
    losses.push_back(loss.value().item());
    if (step == 2) rss_after_warmup = resident_kib();
  }
  EXPECT_LT(losses.back(), losses.front());
  for (double l : losses) EXPECT_TRUE(std::isfinite(l));
  if (strata::testing::kAddressSanitizer) {
    std::printf("resident-memory bound not checked under AddressSanitizer (its quarantine keeps freed blocks)\n");
    return;
  }
  EXPECT_LT(resident_kib(), rss_after_warmup + 8 * 1024) << "resident memory grew by more than 8 MiB over 5 steps";
}
