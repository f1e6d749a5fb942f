#include "strata/nn/recurrent_layers.h"

#include "strata/nn/layer_config.h"
#include "strata/nn/registry.h"
#include "strata/tensor/math.h"

namespace strata::nn {
namespace {

int gate_count(ops::RnnCell c) { return c == ops::RnnCell::lstm ? 4 : c == ops::RnnCell::gru ? 3 : 1; }

// Inverted dropout mask of `shape`: 0 with probability rate, 1/(1-rate) otherwise.
Tensor dropout_mask(const Shape& shape, double rate, DType dtype) {
  Tensor u = Tensor::uniform(shape, 0.0, 1.0, DType::f32);
  const float keep = static_cast<float>(1.0 / (1.0 - rate));
  float* p = u.data<float>();
  for (std::int64_t i = 0, n = u.numel(); i < n; ++i) p[i] = p[i] >= rate ? keep : 0.0f;
  return u.to(dtype);
}

}  // namespace

// ---------------------------------------------------------------- Embedding
Embedding::Embedding(std::int64_t input_dim, std::int64_t output_dim, bool mask_zero, std::string embeddings_initializer,
                     std::string name)
    : Layer(std::move(name)),
      input_dim_(input_dim),
      output_dim_(output_dim),
      mask_zero_(mask_zero),
      initializer_(std::move(embeddings_initializer)) {
  STRATA_CHECK(input_dim >= 1 && output_dim >= 1, "Embedding: input_dim and output_dim must be positive, got ", input_dim,
               " and ", output_dim);
}

Shape Embedding::compute_output_shape(const std::vector<Shape>& in) const {
  Shape out = in[0];
  out.push_back(output_dim_);
  return out;
}

void Embedding::build(const std::vector<Shape>&) {
  table_ = &add_weight("embeddings", {input_dim_, output_dim_}, initializer(initializer_));
}

Variable Embedding::forward(const std::vector<Variable>& in, bool) {
  Variable out = ops::embedding(in[0].value(), table_->variable);
  if (mask_zero_) out.set_mask(nonzero_mask(in[0].value()));
  return out;
}

Tensor nonzero_mask(const Tensor& indices) {
  const Tensor idx = indices.to(DType::f32).contiguous();
  Tensor mask = Tensor::empty(idx.shape());
  const float* s = idx.data<float>();
  float* m = mask.data<float>();
  for (std::int64_t i = 0, n = idx.numel(); i < n; ++i) m[i] = s[i] != 0.0f ? 1.0f : 0.0f;
  return mask;
}

void Embedding::layer_config(nlohmann::json& c) const {
  c["input_dim"] = input_dim_;
  c["output_dim"] = output_dim_;
  c["mask_zero"] = mask_zero_;
  c["embeddings_initializer"] = initializer_;
}
LayerPtr Embedding::from_config(const nlohmann::json& c) {
  return std::make_shared<Embedding>(config::require<std::int64_t>(c, "input_dim"),
                                     config::require<std::int64_t>(c, "output_dim"), config::get(c, "mask_zero", false),
                                     config::get<std::string>(c, "embeddings_initializer", default_embeddings_initializer),
                                     config::name(c));
}

// ---------------------------------------------------------------- Masking
Masking::Masking(double mask_value, std::string name) : Layer(std::move(name)), mask_value_(mask_value) {}

Variable Masking::forward(const std::vector<Variable>& in, bool) {
  const Variable& x = in[0];
  STRATA_CHECK(x.dim() >= 3, "Masking: expected [batch, time, features...] but got ", shape_str(x.shape()));
  const std::int64_t B = x.size(0), T = x.size(1), F = x.numel() / (B * T);
  const Tensor v = x.value().to(DType::f64).contiguous();
  const double* p = v.data<double>();
  Tensor mask = Tensor::empty({B, T});
  float* m = mask.data<float>();
  for (std::int64_t s = 0; s < B * T; ++s) {
    bool all_equal = true;
    for (std::int64_t f = 0; f < F && all_equal; ++f) all_equal = p[s * F + f] == mask_value_;
    m[s] = all_equal ? 0.0f : 1.0f;
  }
  Shape broadcast{B, T};
  for (std::int64_t i = 2; i < x.dim(); ++i) broadcast.push_back(1);
  Variable out = ops::mul(x, Variable(mask.reshape(broadcast).to(x.dtype())));
  out.set_mask(mask);
  return out;
}

void Masking::layer_config(nlohmann::json& c) const { c["mask_value"] = mask_value_; }
LayerPtr Masking::from_config(const nlohmann::json& c) {
  return std::make_shared<Masking>(config::get(c, "mask_value", 0.0), config::name(c));
}

// ---------------------------------------------------------------- SimpleRNN / LSTM / GRU
Recurrent::Recurrent(ops::RnnCell cell, RecurrentOptions options)
    : Layer(options.name_), cell_(cell), o_(std::move(options)) {
  STRATA_CHECK(o_.units_ >= 1, type(), ": units must be positive, got ", o_.units_);
  STRATA_CHECK(o_.dropout_ >= 0 && o_.dropout_ < 1 && o_.recurrent_dropout_ >= 0 && o_.recurrent_dropout_ < 1, type(),
               ": dropout and recurrent_dropout must be in [0, 1)");
  check_activation_name(o_.activation_);
  check_activation_name(o_.recurrent_activation_);
}

std::string Recurrent::type() const {
  return cell_ == ops::RnnCell::lstm ? "LSTM" : cell_ == ops::RnnCell::gru ? "GRU" : "SimpleRNN";
}

Shape Recurrent::compute_output_shape(const std::vector<Shape>& in) const {
  STRATA_CHECK(in[0].size() == 2, type(), " '", name(), "': expected input (time, features) but got ", shape_str(in[0]));
  return o_.return_sequences_ ? Shape{in[0][0], o_.units_} : Shape{o_.units_};
}

std::vector<Shape> Recurrent::compute_output_shapes(const std::vector<Shape>& in) const {
  std::vector<Shape> shapes{compute_output_shape(in)};
  shapes.resize(output_count(), Shape{o_.units_});  // the final states: [units] each
  return shapes;
}

std::vector<Variable> Recurrent::call_all(const std::vector<Variable>& inputs, bool training) {
  check_arity(inputs.size());
  std::vector<Variable> out = call_with_states(inputs[0], {}, training);
  out.resize(output_count());
  return out;
}

void Recurrent::build(const std::vector<Shape>& in) {
  STRATA_CHECK(in[0].size() == 2, type(), " '", name(), "': expected input (time, features) but got ", shape_str(in[0]));
  const std::int64_t F = in[0][1], H = o_.units_, G = gate_count(cell_);
  kernel_ = &add_weight("kernel", {F, G * H}, initializer(o_.kernel_initializer_), true, o_.kernel_regularizer_);
  recurrent_ = &add_weight("recurrent_kernel", {H, G * H}, initializer(o_.recurrent_initializer_), true,
                           o_.recurrent_regularizer_);
  if (o_.use_bias_) {
    const bool two = cell_ == ops::RnnCell::gru && o_.reset_after_;
    bias_ = &add_weight("bias", two ? Shape{2, G * H} : Shape{G * H}, initializer(o_.bias_initializer_));
    if (cell_ == ops::RnnCell::lstm && o_.unit_forget_bias_) bias_->variable.mutable_value().slice(0, H, 2 * H).fill_(1.0);
  }
}

std::vector<Variable> Recurrent::call_with_states(const Variable& x_in, const std::vector<Variable>& initial_states,
                                                  bool training) {
  STRATA_CHECK(x_in.dim() == 3, type(), " '", name(), "': expected input [batch, time, features] but got ",
               shape_str(x_in.shape()));
  build_if_needed({{x_in.size(1), x_in.size(2)}});
  const std::int64_t B = x_in.size(0), H = o_.units_;
  Variable x = x_in;
  // Keras: one dropout mask per sequence, the same at every time step.
  if (training && o_.dropout_ > 0)
    x = ops::mul(x, Variable(dropout_mask({B, 1, x.size(2)}, o_.dropout_, x.dtype())));
  Tensor rmask;
  if (training && o_.recurrent_dropout_ > 0) rmask = dropout_mask({B, H}, o_.recurrent_dropout_, x.dtype());
  ops::RnnOptions ro;
  ro.cell = cell_;
  ro.activation = o_.activation_;
  ro.recurrent_activation = o_.recurrent_activation_;
  ro.reset_after = o_.reset_after_;
  ro.go_backwards = o_.go_backwards_;
  auto r = ops::rnn(x, initial_states, kernel_->variable, recurrent_->variable, bias_ ? bias_->variable : Variable(), ro,
                    x_in.mask(), rmask);
  Variable output = o_.return_sequences_ ? r[0] : r[1];
  if (o_.return_sequences_ && x_in.mask().defined())
    output.set_mask(o_.go_backwards_ ? flip(x_in.mask(), 1) : x_in.mask());
  std::vector<Variable> out{output};
  out.insert(out.end(), r.begin() + 1, r.end());
  return out;
}

Variable Recurrent::forward(const std::vector<Variable>& in, bool training) { return call_with_states(in[0], {}, training)[0]; }

void Recurrent::layer_config(nlohmann::json& c) const { config::write_fields(o_, c); }
LayerPtr Recurrent::from_config(ops::RnnCell cell, const nlohmann::json& c) {
  RecurrentOptions o(config::require<std::int64_t>(c, "units"));
  config::read_fields(c, o);
  return std::make_shared<Recurrent>(cell, o.name(config::name(c)));
}

// ---------------------------------------------------------------- Bidirectional
Bidirectional::Bidirectional(std::shared_ptr<Recurrent> layer, std::string merge_mode, std::string name)
    : Layer(std::move(name)), merge_mode_(std::move(merge_mode)) {
  STRATA_CHECK(merge_mode_ == "concat" || merge_mode_ == "sum" || merge_mode_ == "mul" || merge_mode_ == "ave",
               "Bidirectional: merge_mode must be concat, sum, mul or ave, got \"", merge_mode_, "\"");
  RecurrentOptions fo = layer->options(), bo = layer->options();
  const std::string inner = layer->name().empty() ? unique_name(layer->type()) : layer->name();
  fo.name("forward_" + inner);
  bo.name("backward_" + inner).go_backwards(!fo.go_backwards_);
  forward_ = std::make_shared<Recurrent>(layer->cell(), fo);
  backward_ = std::make_shared<Recurrent>(layer->cell(), bo);
}

Shape Bidirectional::compute_output_shape(const std::vector<Shape>& in) const {
  Shape s = forward_->compute_output_shape(in);
  if (merge_mode_ == "concat") s.back() *= 2;
  return s;
}

void Bidirectional::build(const std::vector<Shape>& in) {
  forward_->build_if_needed(in);
  backward_->build_if_needed(in);
  for (auto* w : forward_->weights()) w->name = "forward/" + w->name;
  for (auto* w : backward_->weights()) w->name = "backward/" + w->name;
}

std::vector<Weight*> Bidirectional::weights() {
  auto out = forward_->weights();
  for (auto* w : backward_->weights()) out.push_back(w);
  return out;
}

void Bidirectional::set_trainable(bool trainable) {
  Layer::set_trainable(trainable);
  forward_->set_trainable(trainable);
  backward_->set_trainable(trainable);
}

Variable Bidirectional::forward(const std::vector<Variable>& in, bool training) {
  Variable f = forward_->call({in[0]}, training);
  Variable b = backward_->call({in[0]}, training);
  // The backward layer emits its sequence in processing (reversed) order: put it back in time order.
  if (forward_->options().return_sequences_) b = ops::reverse(b, 1);
  Variable out;
  if (merge_mode_ == "concat") out = ops::concat({f, b}, -1);
  else if (merge_mode_ == "sum") out = ops::add(f, b);
  else if (merge_mode_ == "mul") out = ops::mul(f, b);
  else out = ops::mul_scalar(ops::add(f, b), 0.5);
  return out;
}

void Bidirectional::layer_config(nlohmann::json& c) const {
  nlohmann::json inner = forward_->config();
  inner["config"]["name"] = forward_->name().substr(std::string("forward_").size());
  inner["config"]["go_backwards"] = forward_->options().go_backwards_;
  c["layer"] = inner;
  c["merge_mode"] = merge_mode_;
}
LayerPtr Bidirectional::from_config(const nlohmann::json& c) {
  auto inner = std::dynamic_pointer_cast<Recurrent>(layer_from_config(c.at("layer")));
  STRATA_CHECK(inner, "Bidirectional: the wrapped layer must be SimpleRNN, LSTM or GRU");
  return std::make_shared<Bidirectional>(inner, config::get<std::string>(c, "merge_mode", default_merge_mode),
                                         config::name(c));
}

// ---------------------------------------------------------------- TimeDistributed
TimeDistributed::TimeDistributed(LayerPtr layer, std::string name)
    : Layer(std::move(name)), layer_(std::move(layer)) {}

Shape TimeDistributed::compute_output_shape(const std::vector<Shape>& in) const {
  STRATA_CHECK(!in[0].empty(), "TimeDistributed: expected input (time, ...)");
  Shape out{in[0][0]};
  const Shape inner = layer_->compute_output_shape({Shape(in[0].begin() + 1, in[0].end())});
  out.insert(out.end(), inner.begin(), inner.end());
  return out;
}

void TimeDistributed::build(const std::vector<Shape>& in) { layer_->build_if_needed({Shape(in[0].begin() + 1, in[0].end())}); }

void TimeDistributed::set_trainable(bool trainable) {
  Layer::set_trainable(trainable);
  layer_->set_trainable(trainable);
}

Variable TimeDistributed::forward(const std::vector<Variable>& in, bool training) {
  const Variable& x = in[0];
  STRATA_CHECK(x.dim() >= 3, "TimeDistributed: expected [batch, time, ...] but got ", shape_str(x.shape()));
  const std::int64_t B = x.size(0), T = x.size(1);
  Shape flat{B * T};
  flat.insert(flat.end(), x.shape().begin() + 2, x.shape().end());
  const Variable y = layer_->call({ops::reshape(x, flat)}, training);
  Shape out{B, T};
  out.insert(out.end(), y.shape().begin() + 1, y.shape().end());
  return ops::reshape(y, out);
}

void TimeDistributed::layer_config(nlohmann::json& c) const { c["layer"] = layer_->config(); }
LayerPtr TimeDistributed::from_config(const nlohmann::json& c) {
  return std::make_shared<TimeDistributed>(layer_from_config(c.at("layer")), config::name(c));
}

// ---------------------------------------------------------------- registration
namespace {
LayerPtr simple_rnn(const nlohmann::json& c) { return Recurrent::from_config(ops::RnnCell::simple, c); }
LayerPtr lstm(const nlohmann::json& c) { return Recurrent::from_config(ops::RnnCell::lstm, c); }
LayerPtr gru(const nlohmann::json& c) { return Recurrent::from_config(ops::RnnCell::gru, c); }

const LayerRegistrar embedding_registrar("Embedding", Embedding::from_config);
const LayerRegistrar masking_registrar("Masking", Masking::from_config);
const LayerRegistrar simple_rnn_registrar("SimpleRNN", simple_rnn);
const LayerRegistrar lstm_registrar("LSTM", lstm);
const LayerRegistrar gru_registrar("GRU", gru);
const LayerRegistrar bidirectional_registrar("Bidirectional", Bidirectional::from_config);
const LayerRegistrar time_distributed_registrar("TimeDistributed", TimeDistributed::from_config);
}  // namespace

}  // namespace strata::nn
