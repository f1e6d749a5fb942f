// Sequence layers with Keras' semantics: Embedding, Masking, SimpleRNN, LSTM, GRU, and the
// Bidirectional and TimeDistributed wrappers. Sequences are [batch, time, features].
//
// Masks travel with the tensors (Variable::mask): Embedding(mask_zero) and Masking make one,
// recurrent layers skip masked steps (the state is carried over), and layers that work per
// step pass it on. In a graph, return_state gives the final states as more outputs
// (all_outputs); for initial states, call a recurrent layer eagerly with call_with_states().
#pragma once

#include "strata/nn/core_layers.h"

namespace strata::nn {

class Embedding final : public Layer {
 public:
  static constexpr const char* default_embeddings_initializer = "uniform";
  Embedding(std::int64_t input_dim, std::int64_t output_dim, bool mask_zero = false,
            std::string embeddings_initializer = default_embeddings_initializer, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Embedding"; }
  bool accepts(const std::vector<Shape>& b, const std::vector<Shape>& g) const override { return same_except_time(b, g); }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  std::int64_t input_dim_, output_dim_;
  bool mask_zero_;
  std::string initializer_;
  Weight* table_ = nullptr;
};

// The padding mask of token ids (index 0 is padding): 1 where the id is not 0, as f32.
Tensor nonzero_mask(const Tensor& indices);

// Marks the time steps whose features all equal mask_value as skipped, and zeroes them.
class Masking final : public Layer {
 public:
  explicit Masking(double mask_value = 0.0, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Masking"; }
  bool accepts(const std::vector<Shape>& b, const std::vector<Shape>& g) const override { return same_except_time(b, g); }
  Shape compute_output_shape(const std::vector<Shape>& in) const override { return in[0]; }

 protected:
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  double mask_value_;
};

struct RecurrentOptions {
  explicit RecurrentOptions(std::int64_t units) : units_(units) {}
  STRATA_OPTION(RecurrentOptions, std::int64_t, units, 0)
  STRATA_OPTION(RecurrentOptions, std::string, activation, "tanh")
  STRATA_OPTION(RecurrentOptions, std::string, recurrent_activation, "sigmoid")  // LSTM and GRU gates
  STRATA_OPTION(RecurrentOptions, bool, use_bias, true)
  STRATA_OPTION(RecurrentOptions, std::string, kernel_initializer, "glorot_uniform")
  STRATA_OPTION(RecurrentOptions, std::string, recurrent_initializer, "orthogonal")
  STRATA_OPTION(RecurrentOptions, std::string, bias_initializer, "zeros")
  STRATA_OPTION(RecurrentOptions, bool, unit_forget_bias, true)  // LSTM: forget-gate bias starts at 1
  STRATA_OPTION(RecurrentOptions, Regularizer, kernel_regularizer, {})
  STRATA_OPTION(RecurrentOptions, Regularizer, recurrent_regularizer, {})
  STRATA_OPTION(RecurrentOptions, double, dropout, 0.0)            // on the inputs, one mask per sequence
  STRATA_OPTION(RecurrentOptions, double, recurrent_dropout, 0.0)  // on h before the recurrent product
  STRATA_OPTION(RecurrentOptions, bool, return_sequences, false)
  STRATA_OPTION(RecurrentOptions, bool, return_state, false)  // all_outputs gives {output, h[, c]}
  STRATA_OPTION(RecurrentOptions, bool, go_backwards, false)
  STRATA_OPTION(RecurrentOptions, bool, reset_after, true)  // GRU
  STRATA_OPTION(RecurrentOptions, std::string, name, "")

  // Every config field but the name, once for writing and reading (nn/layer_config.h).
  template <class Self, class Visit>
  static void fields(Self& o, Visit&& visit) {
    visit("units", o.units_);
    visit("activation", o.activation_);
    visit("recurrent_activation", o.recurrent_activation_);
    visit("use_bias", o.use_bias_);
    visit("kernel_initializer", o.kernel_initializer_);
    visit("recurrent_initializer", o.recurrent_initializer_);
    visit("bias_initializer", o.bias_initializer_);
    visit("unit_forget_bias", o.unit_forget_bias_);
    visit("kernel_regularizer", o.kernel_regularizer_);
    visit("recurrent_regularizer", o.recurrent_regularizer_);
    visit("dropout", o.dropout_);
    visit("recurrent_dropout", o.recurrent_dropout_);
    visit("return_sequences", o.return_sequences_);
    visit("return_state", o.return_state_);
    visit("go_backwards", o.go_backwards_);
    visit("reset_after", o.reset_after_);
  }
};

// SimpleRNN, LSTM or GRU (one class; the cell kind picks the type name and gate count).
// Weights: kernel [features, G*units], recurrent_kernel [units, G*units], bias [G*units]
// ([2, 3*units] for GRU with reset_after) — Keras' layout and gate order.
class Recurrent final : public Layer {
 public:
  Recurrent(ops::RnnCell cell, RecurrentOptions options);
  static LayerPtr from_config(ops::RnnCell cell, const nlohmann::json& c);
  std::string type() const override;
  bool accepts(const std::vector<Shape>& b, const std::vector<Shape>& g) const override { return same_except_time(b, g); }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  const RecurrentOptions& options() const { return o_; }
  ops::RnnCell cell() const { return cell_; }
  // {output (the sequence or the last output), h, and c for LSTM}; initial_states may be empty.
  std::vector<Variable> call_with_states(const Variable& x, const std::vector<Variable>& initial_states, bool training);
  // With return_state, the layer's outputs in a graph (all_outputs) are {output, h[, c]}, as
  // Keras'; without it, the output only.
  std::size_t output_count() const override { return o_.return_state_ ? (cell_ == ops::RnnCell::lstm ? 3 : 2) : 1; }
  std::vector<Shape> compute_output_shapes(const std::vector<Shape>& in) const override;
  std::vector<Variable> call_all(const std::vector<Variable>& inputs, bool training) override;

 protected:
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  ops::RnnCell cell_;
  RecurrentOptions o_;
  Weight* kernel_ = nullptr;
  Weight* recurrent_ = nullptr;
  Weight* bias_ = nullptr;
};

// Runs a recurrent layer forwards and a copy of it backwards (go_backwards flipped) and merges
// the two: "concat" (default), "sum", "mul" or "ave". With return_sequences the backward
// layer's outputs are put back in time order first. Weights are named forward/... and backward/....
class Bidirectional final : public Layer {
 public:
  static constexpr const char* default_merge_mode = "concat";
  explicit Bidirectional(std::shared_ptr<Recurrent> layer, std::string merge_mode = default_merge_mode,
                         std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "Bidirectional"; }
  bool accepts(const std::vector<Shape>& b, const std::vector<Shape>& g) const override { return same_except_time(b, g); }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  std::vector<Weight*> weights() override;
  void set_trainable(bool trainable) override;
  bool propagates_mask() const override { return forward_->options().return_sequences_; }

 protected:
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  std::shared_ptr<Recurrent> forward_, backward_;
  std::string merge_mode_;
};

// Applies a layer to every time step: [B, T, ...] -> [B*T, ...] -> layer -> [B, T, ...].
class TimeDistributed final : public Layer {
 public:
  explicit TimeDistributed(LayerPtr layer, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "TimeDistributed"; }
  bool accepts(const std::vector<Shape>& b, const std::vector<Shape>& g) const override { return same_except_time(b, g); }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  std::vector<Weight*> weights() override { return layer_->weights(); }
  void set_trainable(bool trainable) override;
  bool propagates_mask() const override { return true; }
  const LayerPtr& layer() const { return layer_; }

 protected:
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  LayerPtr layer_;
};

}  // namespace strata::nn
