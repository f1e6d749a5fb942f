// ONNX import: LSTM, GRU and RNN nodes.
#include "strata/interop/onnx/importer.h"

#include <cmath>

namespace strata::interop::onnx_importer {

void Importer::recurrent(const NodeProto& n) {
  const std::string& op = n.op_type();
  const ops::RnnCell cell = op == "LSTM" ? ops::RnnCell::lstm : op == "GRU" ? ops::RnnCell::gru : ops::RnnCell::simple;
  const std::int64_t gates = op == "LSTM" ? 4 : op == "GRU" ? 3 : 1;
  if (attr(n, "clip")) unsupported("attribute clip");
  if (attr_int(n, "input_forget", 0) != 0) unsupported("attribute input_forget=1");
  const std::string direction = attr_string(n, "direction", "forward");
  if (direction != "forward" && direction != "reverse") unsupported("direction=", direction, " (forward and reverse are supported)");
  if (const auto* a = attr(n, "activations")) {
    const std::vector<std::string> defaults = op == "LSTM" ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
                                              : op == "GRU" ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                                            : std::vector<std::string>{"Tanh"};
    if (std::vector<std::string>(a->strings().begin(), a->strings().end()) != defaults) unsupported("non-default activations");
  }
  const bool batch_first = attr_int(n, "layout", 0) == 1;
  if (leading_ && !batch_first)
    unsupported("time-major input (layout 0): ONNX axis 0 is the sequence, not the batch; import the graph as one example "
                "(--one-example) or export the network batch-first");
  if (has_input(n, 4)) {  // sequence_lens: fine when every sequence is full length
    const Shape xs = onnx_shape(in(n, 0));
    for (auto len : const_ints(n, 4, "sequence_lens"))
      if (len != xs[batch_first ? 1 : 0]) unsupported("sequence_lens shorter than the sequence (use masking instead)");
  }
  for (int i : {5, 6})
    if (has_input(n, i) && max_abs_diff(const_in(n, i, "initial state"), Tensor::zeros(const_in(n, i, "initial state").shape())) != 0)
      unsupported("a non-zero initial state");
  if (has_input(n, 7)) unsupported("peephole weights (input P)");
  const bool want_y = n.output_size() > 0 && consumed_.count(n.output(0));
  const bool want_h = n.output_size() > 1 && consumed_.count(n.output(1));
  if (n.output_size() > 2 && consumed_.count(n.output(2))) unsupported("the cell-state output Y_c");
  if (want_y == want_h) unsupported("exactly one of the outputs Y and Y_h must be used (a Strata layer has one output)");

  const Tensor w = const_in(n, 1, "W").to(DType::f32), r = const_in(n, 2, "R").to(DType::f32);
  const std::int64_t hidden = r.size(2);
  if (attr_int(n, "hidden_size", hidden) != hidden) unsupported("hidden_size disagrees with R");
  // ONNX gate block g -> Strata gate block: LSTM i,o,f,c -> i,f,c,o.
  const std::vector<std::int64_t> order = op == "LSTM" ? std::vector<std::int64_t>{0, 2, 3, 1}
                                                        : gates == 3 ? std::vector<std::int64_t>{0, 1, 2} : std::vector<std::int64_t>{0};
  auto reorder = [&](const Tensor& rows) {  // [G*H, ...] -> gate blocks in Strata's order
    std::vector<Tensor> blocks;
    for (auto g : order) blocks.push_back(rows.slice(0, g * hidden, (g + 1) * hidden));
    return strata::concat(blocks, 0);
  };
  const Tensor kernel = reorder(w.select(0, 0)).t().contiguous();
  const Tensor recurrent = reorder(r.select(0, 0)).t().contiguous();
  const Tensor b = has_input(n, 3) ? const_in(n, 3, "B").to(DType::f32).select(0, 0) : Tensor::zeros({2 * gates * hidden});
  const Tensor wb = reorder(b.slice(0, 0, gates * hidden)), rb = reorder(b.slice(0, gates * hidden, 2 * gates * hidden));
  const bool reset_after = op == "GRU" && attr_int(n, "linear_before_reset", 0) != 0;
  const Tensor bias = reset_after ? strata::concat({wb.unsqueeze(0), rb.unsqueeze(0)}, 0) : wb + rb;

  nn::RecurrentOptions o(hidden);
  o.return_sequences(want_y).go_backwards(direction == "reverse").reset_after(reset_after).unit_forget_bias(false);
  auto layer = std::make_shared<nn::Recurrent>(cell, o);
  std::map<std::string, Tensor> weights{{"kernel", kernel}, {"recurrent_kernel", recurrent}, {"bias", bias}};
  SymbolicTensor x = sym_in(n, 0);
  const bool direct = leading_ && batch_first;
  if (!direct && !batch_first)  // [T, B, F] -> [B, T, F] per example
    x = add_layer(n, std::make_shared<nn::Permute>(std::vector<std::int64_t>{2, 1, 3}), {x}, {}, "_batch_major");
  SymbolicTensor y = direct ? add_layer(n, layer, {x}, weights)
                            : add_layer(n, std::make_shared<nn::TimeDistributed>(layer), {x}, weights);
  // y: [T, H] / [H] per example (direct), or [B, T, H] / [B, H].
  const std::int64_t time_axis = direct ? 1 : 2;
  if (want_y && direction == "reverse")  // Keras returns the reversed sequence in processing order
    y = add_layer(n, std::make_shared<nn::Slice>(std::vector<std::int64_t>{time_axis}, std::vector<std::int64_t>{-1},
                                                 std::vector<std::int64_t>{std::numeric_limits<std::int32_t>::min()},
                                                 std::vector<std::int64_t>{-1}),
                  {y}, {}, "_forward_order");
  const Shape ys = y.shape();
  if (want_h) {
    // Y_h: [dirs=1, B, H] (layout 0) or [B, 1, H] (layout 1)
    const Shape target = direct ? Shape{1, ys[0]} : batch_first ? Shape{ys[0], 1, ys[1]} : Shape{1, ys[0], ys[1]};
    values_[n.output(1)] = Value{Tensor(), add_layer(n, std::make_shared<nn::Reshape>(target), {y}, {}, "_Y_h"), ""};
  } else {
    // Y: [T, 1, B, H] (layout 0) or [B, T, 1, H] (layout 1)
    SymbolicTensor out;
    if (direct) out = add_layer(n, std::make_shared<nn::Reshape>(Shape{ys[0], 1, ys[1]}), {y}, {}, "_Y");
    else if (batch_first) out = add_layer(n, std::make_shared<nn::Reshape>(Shape{ys[0], ys[1], 1, ys[2]}), {y}, {}, "_Y");
    else {
      out = add_layer(n, std::make_shared<nn::Permute>(std::vector<std::int64_t>{2, 1, 3}), {y}, {}, "_time_major");
      out = add_layer(n, std::make_shared<nn::Reshape>(Shape{ys[1], 1, ys[0], ys[2]}), {out}, {}, "_Y");
    }
    values_[n.output(0)] = Value{Tensor(), out, ""};
  }
}

// ------------------------------------------------------------------ dispatch

}  // namespace strata::interop::onnx_importer
