#include "strata/nn/core_layers.h"

#include "strata/nn/layer_config.h"
#include "strata/nn/registry.h"
#include "strata/tensor/math.h"

namespace strata::nn {

namespace {
// Shared check for layers whose inputs must all have one shape.
void check_same_shapes(const std::vector<Shape>& in, const char* type) {
  for (const auto& s : in)
    STRATA_CHECK(s == in[0], type, ": inputs must have the same shape, got ", shape_str(in[0]), " and ", shape_str(s));
}
}  // namespace

// ---------------------------------------------------------------- Input
InputLayer::InputLayer(Shape shape, std::string name) : Layer(std::move(name)), shape_(std::move(shape)) {
  for (auto d : shape_) STRATA_CHECK(d > 0, "Input: dimensions must be positive, got ", shape_str(shape_));
}

LayerPtr InputLayer::from_config(const nlohmann::json& c) {
  return std::make_shared<InputLayer>(config::require<Shape>(c, "shape"), config::name(c));
}

// ---------------------------------------------------------------- Dense
Dense::Dense(DenseOptions o) : Layer(o.name_), o_(std::move(o)) {
  STRATA_CHECK(o_.units_ > 0, "Dense: units must be positive, got ", o_.units_);
  check_activation_name(o_.activation_);
}

Shape Dense::compute_output_shape(const std::vector<Shape>& in) const {
  STRATA_CHECK(!in[0].empty(), "Dense '", name(), "': input needs at least one feature axis");
  Shape out = in[0];
  out.back() = o_.units_;
  return out;
}

void Dense::build(const std::vector<Shape>& in) {
  STRATA_CHECK(!in[0].empty(), "Dense '", name(), "': input needs at least one feature axis");
  kernel_ = &add_weight("kernel", {in[0].back(), o_.units_}, initializer(o_.kernel_initializer_), true,
                        o_.kernel_regularizer_, o_.kernel_constraint_, {0});
  if (o_.use_bias_) bias_ = &add_weight("bias", {o_.units_}, initializer(o_.bias_initializer_), true, o_.bias_regularizer_);
}

Variable Dense::forward(const std::vector<Variable>& in, bool) {
  const Variable& x = in[0];
  const Variable flat = x.dim() == 2 ? x : ops::reshape(x, {-1, x.size(-1)});
  Variable y = ops::linear(flat, kernel_->variable, bias_ ? bias_->variable : Variable());
  if (x.dim() != 2) {
    Shape out = x.shape();
    out.back() = o_.units_;
    y = ops::reshape(y, out);
  }
  return apply_activation(o_.activation_, y);
}

void Dense::layer_config(nlohmann::json& c) const { config::write_fields(o_, c); }

LayerPtr Dense::from_config(const nlohmann::json& c) {
  DenseOptions o(config::require<std::int64_t>(c, "units"));
  config::read_fields(c, o);
  return std::make_shared<Dense>(o.name(config::name(c)));
}

// ---------------------------------------------------------------- Flatten, Reshape, Dropout
Variable Flatten::forward(const std::vector<Variable>& in, bool) { return ops::flatten(in[0], 1); }
LayerPtr Flatten::from_config(const nlohmann::json& c) { return std::make_shared<Flatten>(config::name(c)); }

Reshape::Reshape(Shape target, std::string name) : Layer(std::move(name)), target_(std::move(target)) {}
LayerPtr Reshape::from_config(const nlohmann::json& c) {
  return std::make_shared<Reshape>(config::require<Shape>(c, "target_shape"), config::name(c));
}

Shape Reshape::compute_output_shape(const std::vector<Shape>& in) const {
  Shape with_batch = {1};
  with_batch.insert(with_batch.end(), in[0].begin(), in[0].end());
  Shape target = {1};
  target.insert(target.end(), target_.begin(), target_.end());
  const Shape out = Tensor::zeros(with_batch).reshape(target).shape();  // validates and infers -1
  return Shape(out.begin() + 1, out.end());
}

Variable Reshape::forward(const std::vector<Variable>& in, bool) {
  Shape target = {in[0].size(0)};
  target.insert(target.end(), target_.begin(), target_.end());
  return ops::reshape(in[0], target);
}

Dropout::Dropout(double rate, std::string name) : Layer(std::move(name)), rate_(rate) {
  STRATA_CHECK(rate >= 0 && rate < 1, "Dropout: rate must be in [0, 1), got ", rate);
}

Variable Dropout::forward(const std::vector<Variable>& in, bool training) { return ops::dropout(in[0], rate_, training); }
LayerPtr Dropout::from_config(const nlohmann::json& c) {
  return std::make_shared<Dropout>(config::require<double>(c, "rate"), config::name(c));
}

// ---------------------------------------------------------------- activation layers
Activation::Activation(std::string activation, std::string name)
    : Layer(std::move(name)), activation_(std::move(activation)) {
  check_activation_name(activation_);
}
LayerPtr Activation::from_config(const nlohmann::json& c) {
  return std::make_shared<Activation>(config::require<std::string>(c, "activation"), config::name(c));
}

ReLU::ReLU(double max_value, double negative_slope, std::string name)
    : Layer(std::move(name)), max_value_(max_value), negative_slope_(negative_slope) {
  STRATA_CHECK(max_value >= 0 && negative_slope >= 0, "ReLU: max_value and negative_slope must be >= 0");
}

Variable ReLU::forward(const std::vector<Variable>& in, bool) {
  if (max_value_ == 6.0 && negative_slope_ == 0.0) return ops::relu6(in[0]);
  Variable y = negative_slope_ > 0 ? ops::leaky_relu(in[0], negative_slope_) : ops::relu(in[0]);
  if (max_value_ > 0) y = ops::sub(y, ops::relu(ops::add_scalar(y, -max_value_)));  // min(y, max_value)
  return y;
}

void ReLU::layer_config(nlohmann::json& c) const {
  c["max_value"] = max_value_ > 0 ? nlohmann::json(max_value_) : nlohmann::json();  // Keras: null for none
  c["negative_slope"] = negative_slope_;
}
LayerPtr ReLU::from_config(const nlohmann::json& c) {
  return std::make_shared<ReLU>(config::get(c, "max_value", no_max_value), config::get(c, "negative_slope", 0.0),
                                config::name(c));
}

LeakyReLU::LeakyReLU(double slope, std::string name) : Layer(std::move(name)), slope_(slope) {}
LayerPtr LeakyReLU::from_config(const nlohmann::json& c) {
  return std::make_shared<LeakyReLU>(config::get(c, "negative_slope", default_negative_slope), config::name(c));
}

ELU::ELU(double alpha, std::string name) : Layer(std::move(name)), alpha_(alpha) {}
LayerPtr ELU::from_config(const nlohmann::json& c) {
  return std::make_shared<ELU>(config::get(c, "alpha", default_alpha), config::name(c));
}

Softmax::Softmax(std::int64_t axis, std::string name) : Layer(std::move(name)), axis_(axis) {}
LayerPtr Softmax::from_config(const nlohmann::json& c) {
  auto layer = std::make_shared<Softmax>(config::get(c, "axis", default_axis), config::name(c));
  layer->log(config::get(c, "log", false));
  return layer;
}

PReLU::PReLU(std::vector<std::int64_t> shared_axes, std::string alpha_initializer, std::string name)
    : Layer(std::move(name)), shared_axes_(std::move(shared_axes)), alpha_initializer_(std::move(alpha_initializer)) {}

void PReLU::build(const std::vector<Shape>& in) {
  Shape shape = in[0];
  for (auto a : shared_axes_) {
    STRATA_CHECK(a >= 1 && a <= static_cast<std::int64_t>(shape.size()), "PReLU: shared axis ", a,
                 " is outside 1..", shape.size(), " for input shape ", shape_str(in[0]));
    shape[a - 1] = 1;
  }
  alpha_ = &add_weight("alpha", shape, initializer(alpha_initializer_));
}

Variable PReLU::forward(const std::vector<Variable>& in, bool) {
  // alpha lacks the batch axis, so it broadcasts against x [N, ...] from the right.
  return ops::sub(ops::relu(in[0]), ops::mul(alpha_->variable, ops::relu(ops::neg(in[0]))));
}

void PReLU::layer_config(nlohmann::json& c) const {
  c["shared_axes"] = shared_axes_;
  c["alpha_initializer"] = alpha_initializer_;
}
LayerPtr PReLU::from_config(const nlohmann::json& c) {
  return std::make_shared<PReLU>(config::get(c, "shared_axes", std::vector<std::int64_t>{}),
                                 config::get<std::string>(c, "alpha_initializer", default_alpha_initializer),
                                 config::name(c));
}

// ---------------------------------------------------------------- merges
namespace {
// Combines the inputs left to right with a binary op.
Variable fold(const std::vector<Variable>& in, Variable (*op)(const Variable&, const Variable&)) {
  Variable y = in[0];
  for (std::size_t i = 1; i < in.size(); ++i) y = op(y, in[i]);
  return y;
}
}  // namespace

Shape Add::compute_output_shape(const std::vector<Shape>& in) const {
  check_same_shapes(in, "Add");
  return in[0];
}
Variable Add::forward(const std::vector<Variable>& in, bool) { return fold(in, ops::add); }
LayerPtr Add::from_config(const nlohmann::json& c) { return std::make_shared<Add>(config::name(c)); }

Shape Multiply::compute_output_shape(const std::vector<Shape>& in) const {
  check_same_shapes(in, "Multiply");
  return in[0];
}
Variable Multiply::forward(const std::vector<Variable>& in, bool) { return fold(in, ops::mul); }
LayerPtr Multiply::from_config(const nlohmann::json& c) { return std::make_shared<Multiply>(config::name(c)); }

Concatenate::Concatenate(std::int64_t axis, std::string name) : Layer(std::move(name)), axis_(axis) {
  STRATA_CHECK(axis != 0, "Concatenate: cannot concatenate along the batch axis");
}
LayerPtr Concatenate::from_config(const nlohmann::json& c) {
  return std::make_shared<Concatenate>(config::get(c, "axis", default_axis), config::name(c));
}

Shape Concatenate::compute_output_shape(const std::vector<Shape>& in) const {
  const auto rank = static_cast<std::int64_t>(in[0].size()) + 1;
  const std::int64_t axis = normalize_axis(axis_, rank, "Concatenate") - 1;  // without the batch axis
  STRATA_CHECK(axis >= 0, "Concatenate: cannot concatenate along the batch axis");
  Shape out = in[0];
  out[axis] = 0;
  for (const auto& s : in) {
    STRATA_CHECK(s.size() == in[0].size(), "Concatenate: inputs have different ranks: ", shape_str(in[0]), " and ",
                 shape_str(s));
    for (std::size_t i = 0; i < s.size(); ++i)
      STRATA_CHECK(static_cast<std::int64_t>(i) == axis || s[i] == in[0][i], "Concatenate: shapes ", shape_str(in[0]),
                   " and ", shape_str(s), " differ outside the concatenation axis");
    out[axis] += s[axis];
  }
  return out;
}

// ---------------------------------------------------------------- registration
namespace {
const LayerRegistrar input_registrar("InputLayer", InputLayer::from_config);
const LayerRegistrar dense_registrar("Dense", Dense::from_config);
const LayerRegistrar flatten_registrar("Flatten", Flatten::from_config);
const LayerRegistrar reshape_registrar("Reshape", Reshape::from_config);
const LayerRegistrar dropout_registrar("Dropout", Dropout::from_config);
const LayerRegistrar activation_registrar("Activation", Activation::from_config);
const LayerRegistrar relu_registrar("ReLU", ReLU::from_config);
const LayerRegistrar leaky_relu_registrar("LeakyReLU", LeakyReLU::from_config);
const LayerRegistrar elu_registrar("ELU", ELU::from_config);
const LayerRegistrar prelu_registrar("PReLU", PReLU::from_config);
const LayerRegistrar softmax_registrar("Softmax", Softmax::from_config);
const LayerRegistrar add_registrar("Add", Add::from_config);
const LayerRegistrar multiply_registrar("Multiply", Multiply::from_config);
const LayerRegistrar concatenate_registrar("Concatenate", Concatenate::from_config);
}  // namespace

}  // namespace strata::nn
