#include "strata/nn/conv_layers.h"

#include "strata/nn/layer_config.h"
#include "strata/nn/registry.h"

namespace strata::nn {

// ---------------------------------------------------------------- Conv2D family
ops::ConvGeometry Conv2DOptions::op_options() const {
  ops::ConvGeometry o;
  o.stride(strides_[0], strides_[1]).dilation(dilation_rate_[0], dilation_rate_[1]);
  if (padding_ == "explicit")
    o.padding(explicit_padding_[0][0], explicit_padding_[0][1], explicit_padding_[1][0], explicit_padding_[1][1]);
  else
    o.padding(padding_);
  return o;
}

Conv2D::Conv2D(Conv2DOptions o, Kind kind) : Layer(o.name_), o_(std::move(o)), kind_(kind) {
  STRATA_CHECK(kind != Kind::standard || o_.filters_ > 0, "Conv2D: filters must be positive, got ", o_.filters_);
  STRATA_CHECK(o_.kernel_size_[0] > 0 && o_.kernel_size_[1] > 0, type(), ": kernel_size must be positive");
  STRATA_CHECK(o_.padding_ == "valid" || o_.padding_ == "same" || o_.padding_ == "explicit", type(),
               ": padding must be \"valid\", \"same\" or \"explicit\", got \"", o_.padding_, "\"");
  STRATA_CHECK(o_.depth_multiplier_ >= 1, type(), ": depth_multiplier must be >= 1");
  STRATA_CHECK(o_.groups_ >= 1, type(), ": groups must be >= 1, got ", o_.groups_);
  STRATA_CHECK(kind != Kind::standard || o_.filters_ % o_.groups_ == 0, type(), ": filters (", o_.filters_,
               ") must be divisible by groups (", o_.groups_, ")");
  o_.op_options();  // validates strides, dilation and explicit padding
  check_activation_name(o_.activation_);
}

std::string Conv2D::type() const {
  switch (kind_) {
    case Kind::depthwise: return "DepthwiseConv2D";
    case Kind::separable: return "SeparableConv2D";
    default: return "Conv2D";
  }
}

Shape Conv2D::compute_output_shape(const std::vector<Shape>& in) const {
  STRATA_CHECK(in[0].size() == 3, type(), " '", name(), "': expects input (C, H, W) but got ", shape_str(in[0]));
  const std::int64_t C = in[0][0];
  const std::int64_t out_channels = kind_ == Kind::depthwise ? C * o_.depth_multiplier_ : o_.filters_;
  const Shape x{1, C, in[0][1], in[0][2]};
  const std::int64_t groups = kind_ == Kind::standard ? o_.groups_ : C;
  STRATA_CHECK(C >= 1 && C % groups == 0, type(), " '", name(), "': input channels (", C, ") must be a positive multiple of groups (",
               groups, ")");
  const Shape w{kind_ == Kind::standard ? out_channels : C * o_.depth_multiplier_, C / groups, o_.kernel_size_[0],
                o_.kernel_size_[1]};
  const Shape y = o_.op_options().groups(groups).resolve(x, w[2], w[3]).output_shape(x, w);
  return {out_channels, y[2], y[3]};
}

void Conv2D::build(const std::vector<Shape>& in) {
  compute_output_shape(in);  // validates
  const std::int64_t C = in[0][0], kh = o_.kernel_size_[0], kw = o_.kernel_size_[1];
  const auto init = initializer(o_.kernel_initializer_);
  if (kind_ == Kind::standard) {
    kernel_ = &add_weight("kernel", {o_.filters_, C / o_.groups_, kh, kw}, init, true, o_.kernel_regularizer_,
                          o_.kernel_constraint_, {1, 2, 3});
  } else {
    kernel_ = &add_weight("depthwise_kernel", {C * o_.depth_multiplier_, 1, kh, kw}, init, true, o_.kernel_regularizer_,
                          o_.kernel_constraint_, {1, 2, 3});
    if (kind_ == Kind::separable)
      pointwise_ = &add_weight("pointwise_kernel", {o_.filters_, C * o_.depth_multiplier_, 1, 1}, init, true,
                               o_.kernel_regularizer_, o_.kernel_constraint_, {1, 2, 3});
  }
  const std::int64_t out_channels = kind_ == Kind::depthwise ? C * o_.depth_multiplier_ : o_.filters_;
  if (o_.use_bias_)
    bias_ = &add_weight("bias", {out_channels}, initializer(o_.bias_initializer_), true, o_.bias_regularizer_);
}

Variable Conv2D::forward(const std::vector<Variable>& in, bool) {
  const Variable bias = bias_ ? bias_->variable : Variable();
  Variable y;
  if (kind_ == Kind::standard) {
    y = ops::conv2d(in[0], kernel_->variable, bias, o_.op_options().groups(o_.groups_));
  } else {
    const auto depthwise = o_.op_options().groups(in[0].size(1));
    if (kind_ == Kind::depthwise) {
      y = ops::conv2d(in[0], kernel_->variable, bias, depthwise);
    } else {
      y = ops::conv2d(ops::conv2d(in[0], kernel_->variable, Variable(), depthwise), pointwise_->variable, bias);
    }
  }
  return apply_activation(o_.activation_, y);
}

void Conv2D::layer_config(nlohmann::json& c) const {
  config::write_fields(o_, c);
  if (o_.padding_ != "explicit") c.erase("explicit_padding");
}

LayerPtr Conv2D::from_config(Kind kind, const nlohmann::json& c) {
  Conv2DOptions o(0, config::require<Size2>(c, "kernel_size"));
  config::read_fields(c, o);
  return std::make_shared<Conv2D>(o.name(config::name(c)), kind);
}

// ---------------------------------------------------------------- BatchNormalization
BatchNormalization::BatchNormalization(BatchNormalizationOptions o) : Layer(o.name_), o_(std::move(o)) {
  STRATA_CHECK(o_.momentum_ >= 0 && o_.momentum_ < 1, "BatchNormalization: momentum must be in [0, 1), got ", o_.momentum_);
  STRATA_CHECK(o_.epsilon_ > 0, "BatchNormalization: epsilon must be positive, got ", o_.epsilon_);
}

void BatchNormalization::build(const std::vector<Shape>& in) {
  STRATA_CHECK(!in[0].empty(), "BatchNormalization: input needs a channel axis");
  const Shape c{in[0][0]};
  // As Keras: without scale (center) there is no gamma (beta) weight at all.
  if (o_.scale_) gamma_ = &add_weight("gamma", c, initializer(o_.gamma_initializer_));
  if (o_.center_) beta_ = &add_weight("beta", c, initializer(o_.beta_initializer_));
  ones_ = Tensor::full(c, 1.0);
  zeros_ = Tensor::zeros(c);
  moving_mean_ = &add_weight("moving_mean", c, initializer("zeros"), false);
  moving_variance_ = &add_weight("moving_variance", c, initializer("ones"), false);
}

Variable BatchNormalization::forward(const std::vector<Variable>& in, bool training) {
  // Keras' momentum m keeps m of the old statistics; ops::batch_norm takes the new share.
  const Variable gamma = gamma_ ? gamma_->variable : Variable(ones_.to(in[0].dtype()));
  const Variable beta = beta_ ? beta_->variable : Variable(zeros_.to(in[0].dtype()));
  // While re-estimating, batch k gets weight 1/k: the moving statistics become the plain average.
  const double new_share = estimating_ ? 1.0 / static_cast<double>(++estimated_batches_) : 1.0 - o_.momentum_;
  return ops::batch_norm(in[0], gamma, beta, moving_mean_->variable.mutable_value(),
                         moving_variance_->variable.mutable_value(), training && (trainable() || estimating_), new_share,
                         o_.epsilon_);
}

void BatchNormalization::layer_config(nlohmann::json& c) const { config::write_fields(o_, c); }
LayerPtr BatchNormalization::from_config(const nlohmann::json& c) {
  BatchNormalizationOptions o;
  config::read_fields(c, o);
  return std::make_shared<BatchNormalization>(o.name(config::name(c)));
}

// ---------------------------------------------------------------- registration
namespace {
LayerPtr conv2d(const nlohmann::json& c) { return Conv2D::from_config(Conv2D::Kind::standard, c); }
LayerPtr depthwise_conv2d(const nlohmann::json& c) { return Conv2D::from_config(Conv2D::Kind::depthwise, c); }
LayerPtr separable_conv2d(const nlohmann::json& c) { return Conv2D::from_config(Conv2D::Kind::separable, c); }

const LayerRegistrar conv2d_registrar("Conv2D", conv2d);
const LayerRegistrar depthwise_conv2d_registrar("DepthwiseConv2D", depthwise_conv2d);
const LayerRegistrar separable_conv2d_registrar("SeparableConv2D", separable_conv2d);
const LayerRegistrar batch_normalization_registrar("BatchNormalization", BatchNormalization::from_config);
}  // namespace

}  // namespace strata::nn
