#include "strata/nn/layers/convolution.h"

#include "strata/nn/layer_config.h"
#include "strata/nn/registry.h"

namespace strata::nn {

template <std::size_t Rank>
Convolution<Rank>::Convolution(ConvOptions<Rank> o, Kind kind) : Layer(o.name_), o_(std::move(o)), kind_(kind) {
  STRATA_CHECK(Rank == 1 || kind == Kind::standard, "Convolution: depthwise and separable kinds exist for 1-D only");
  STRATA_CHECK(kind != Kind::standard || o_.filters_ > 0, type(), ": filters must be positive, got ", o_.filters_);
  STRATA_CHECK(kind != Kind::separable || o_.filters_ > 0, type(), ": filters must be positive, got ", o_.filters_);
  for (std::size_t i = 0; i < Rank; ++i)
    STRATA_CHECK(o_.kernel_size_[i] > 0 && o_.strides_[i] > 0 && o_.dilation_rate_[i] > 0, type(),
                 ": kernel_size, strides and dilation_rate must be positive");
  const bool causal_ok = Rank == 1 && o_.padding_ == "causal";
  STRATA_CHECK(o_.padding_ == "valid" || o_.padding_ == "same" || o_.padding_ == "explicit" || causal_ok, type(),
               ": padding must be \"valid\", \"same\", \"explicit\"", Rank == 1 ? " or \"causal\"" : "", ", got \"",
               o_.padding_, "\"");
  for (const auto& p : o_.explicit_padding_) STRATA_CHECK(p[0] >= 0 && p[1] >= 0, type(), ": padding must be >= 0");
  STRATA_CHECK(o_.depth_multiplier_ >= 1, type(), ": depth_multiplier must be >= 1");
  STRATA_CHECK(o_.groups_ >= 1, type(), ": groups must be >= 1, got ", o_.groups_);
  STRATA_CHECK(kind != Kind::standard || o_.filters_ % o_.groups_ == 0, type(), ": filters (", o_.filters_,
               ") must be divisible by groups (", o_.groups_, ")");
  check_activation_name(o_.activation_);
}

template <std::size_t Rank>
std::string Convolution<Rank>::type() const {
  const std::string rank = std::to_string(Rank) + "D";
  switch (kind_) {
    case Kind::depthwise: return "DepthwiseConv" + rank;
    case Kind::separable: return "SeparableConv" + rank;
    default: return "Conv" + rank;
  }
}

template <std::size_t Rank>
kernels::ConvNdGeometry Convolution<Rank>::geometry(const Shape& example) const {
  STRATA_CHECK(example.size() == Rank + 1, type(), " '", name(), "': expects input (C, ", Rank,
               " spatial sizes) but got ", shape_str(example));
  const Shape in(example.begin() + 1, example.end()), kernel(o_.kernel_size_.begin(), o_.kernel_size_.end()),
      stride(o_.strides_.begin(), o_.strides_.end()), dilation(o_.dilation_rate_.begin(), o_.dilation_rate_.end());
  const ops::Pads pads = ops::conv_padding(type(), o_.padding_, ops::Pads(o_.explicit_padding_.begin(), o_.explicit_padding_.end()),
                                           in, kernel, stride, dilation);
  kernels::ConvNdGeometry g{stride, dilation, {}, {}, groups_for(example[0])};
  for (const auto& p : pads) {
    g.pad_begin.push_back(p[0]);
    g.pad_end.push_back(p[1]);
  }
  return g;
}

template <std::size_t Rank>
Shape Convolution<Rank>::kernel_shape(std::int64_t channels) const {
  const std::int64_t groups = groups_for(channels);
  Shape w{kind_ == Kind::standard ? o_.filters_ : channels * o_.depth_multiplier_, channels / groups};
  w.insert(w.end(), o_.kernel_size_.begin(), o_.kernel_size_.end());
  return w;
}

template <std::size_t Rank>
Shape Convolution<Rank>::compute_output_shape(const std::vector<Shape>& in) const {
  const kernels::ConvNdGeometry g = geometry(in[0]);
  const std::int64_t C = in[0][0];
  STRATA_CHECK(C >= 1 && C % g.groups == 0, type(), " '", name(), "': input channels (", C,
               ") must be a positive multiple of groups (", g.groups, ")");
  Shape x{1};
  x.insert(x.end(), in[0].begin(), in[0].end());
  Shape y = g.output_shape(x, kernel_shape(C));
  y.erase(y.begin());
  if (kind_ == Kind::separable) y[0] = o_.filters_;
  return y;
}

template <std::size_t Rank>
void Convolution<Rank>::build(const std::vector<Shape>& in) {
  compute_output_shape(in);  // validates
  const std::int64_t C = in[0][0];
  const auto init = initializer(o_.kernel_initializer_);
  std::vector<std::int64_t> fan_axes;  // the max-norm constraint's axes: all but the output channel
  for (std::int64_t a = 1; a <= static_cast<std::int64_t>(Rank) + 1; ++a) fan_axes.push_back(a);
  kernel_ = &add_weight(kind_ == Kind::standard ? "kernel" : "depthwise_kernel", kernel_shape(C), init, true,
                        o_.kernel_regularizer_, o_.kernel_constraint_, fan_axes);
  if (kind_ == Kind::separable) {
    Shape pointwise{o_.filters_, C * o_.depth_multiplier_};
    pointwise.resize(Rank + 2, 1);
    pointwise_ = &add_weight("pointwise_kernel", pointwise, init, true, o_.kernel_regularizer_, o_.kernel_constraint_,
                             fan_axes);
  }
  const std::int64_t out_channels = kind_ == Kind::depthwise ? C * o_.depth_multiplier_ : o_.filters_;
  if (o_.use_bias_) bias_ = &add_weight("bias", {out_channels}, initializer(o_.bias_initializer_), true, o_.bias_regularizer_);
}

template <std::size_t Rank>
Variable Convolution<Rank>::forward(const std::vector<Variable>& in, bool) {
  const Variable bias = bias_ ? bias_->variable : Variable();
  const Shape example(in[0].shape().begin() + 1, in[0].shape().end());
  const kernels::ConvNdGeometry g = geometry(example);
  Variable y;
  if (kind_ == Kind::separable) {
    const kernels::ConvNdGeometry pointwise{Shape(Rank, 1), Shape(Rank, 1), Shape(Rank, 0), Shape(Rank, 0), 1};
    y = ops::conv(ops::conv(in[0], kernel_->variable, Variable(), g), pointwise_->variable, bias, pointwise);
  } else {
    y = ops::conv(in[0], kernel_->variable, bias, g);
  }
  return apply_activation(o_.activation_, y);
}

template <std::size_t Rank>
void Convolution<Rank>::layer_config(nlohmann::json& c) const {
  config::write_fields(o_, c);
  if (o_.padding_ != "explicit") c.erase("explicit_padding");
}

template <std::size_t Rank>
LayerPtr Convolution<Rank>::from_config(Kind kind, const nlohmann::json& c) {
  ConvOptions<Rank> o(0, config::require<typename ConvOptions<Rank>::Size>(c, "kernel_size"));
  config::read_fields(c, o);
  return std::make_shared<Convolution>(o.name(config::name(c)), kind);
}

template class Convolution<1>;
template class Convolution<3>;

namespace {
using Kind1 = Conv1D::Kind;
const LayerRegistrar conv1d_registrar("Conv1D", [](const nlohmann::json& c) { return Conv1D::from_config(Kind1::standard, c); });
const LayerRegistrar depthwise_conv1d_registrar("DepthwiseConv1D", [](const nlohmann::json& c) {
  return Conv1D::from_config(Kind1::depthwise, c);
});
const LayerRegistrar separable_conv1d_registrar("SeparableConv1D", [](const nlohmann::json& c) {
  return Conv1D::from_config(Kind1::separable, c);
});
const LayerRegistrar conv3d_registrar("Conv3D", [](const nlohmann::json& c) {
  return Conv3D::from_config(Conv3D::Kind::standard, c);
});
}  // namespace

}  // namespace strata::nn
