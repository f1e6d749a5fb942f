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
