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
  for (std::int64_t t = 0; t < T; ++t)
    EXPECT_TRUE(allclose(masked[0].value().select(1, t), first[1].value(), 0, 0)) << "step " << t;
  EXPECT_TRUE(allclose(masked[2].value(), first[2].value(), 0, 0));
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
