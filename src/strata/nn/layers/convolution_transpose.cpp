#include "strata/nn/layers/convolution_transpose.h"

#include "strata/nn/layer_config.h"
#include "strata/nn/registry.h"
#include "strata/ops/ops.h"

namespace strata::nn {

namespace {
// Sizes, strides, dilations and pads above this are refused, so the output-size arithmetic
// (products of two of them plus a few more) stays far inside 64 bits.
constexpr std::int64_t kMaxExtent = std::int64_t{1} << 30;
}  // namespace

template <std::size_t Rank>
ConvolutionTranspose<Rank>::ConvolutionTranspose(ConvTransposeOptions<Rank> o) : Layer(o.name_), o_(std::move(o)) {
  STRATA_CHECK(o_.filters_ > 0, type(), ": filters must be positive, got ", o_.filters_);
  for (std::size_t i = 0; i < Rank; ++i) {
    for (auto v : {o_.kernel_size_[i], o_.strides_[i], o_.dilation_rate_[i]})
      STRATA_CHECK(v > 0 && v <= kMaxExtent, type(), ": kernel_size, strides and dilation_rate must be in 1..",
                   kMaxExtent, ", got ", v);
    if (o_.output_padding_)
      STRATA_CHECK((*o_.output_padding_)[i] >= 0 &&
                       (*o_.output_padding_)[i] < std::max(o_.strides_[i], o_.dilation_rate_[i]),
                   type(), ": output_padding must be >= 0 and smaller than the stride or the dilation, got ",
                   shape_str(Shape(o_.output_padding_->begin(), o_.output_padding_->end())));
  }
  STRATA_CHECK(o_.padding_ == "valid" || o_.padding_ == "same" || o_.padding_ == "explicit", type(),
               ": padding must be \"valid\", \"same\" or \"explicit\", got \"", o_.padding_, "\"");
  for (const auto& p : o_.explicit_padding_)
    STRATA_CHECK(p[0] >= 0 && p[1] >= 0 && p[0] <= kMaxExtent && p[1] <= kMaxExtent, type(),
                 ": explicit padding must be in 0..", kMaxExtent);
  check_activation_name(o_.activation_);
}

template <std::size_t Rank>
typename ConvolutionTranspose<Rank>::Plan ConvolutionTranspose<Rank>::plan(const Shape& in) const {
  STRATA_CHECK(in.size() == Rank + 1, type(), " '", name(), "': expects input (C, ", Rank, " spatial sizes) but got ",
               shape_str(in));
  Plan p;
  kernels::ConvNdGeometry& g = p.geometry;
  g.stride.assign(o_.strides_.begin(), o_.strides_.end());
  g.dilation.assign(o_.dilation_rate_.begin(), o_.dilation_rate_.end());
  for (std::size_t i = 0; i < Rank; ++i) {
    const std::int64_t n = in[i + 1], s = o_.strides_[i], k = (o_.kernel_size_[i] - 1) * o_.dilation_rate_[i] + 1;
    STRATA_CHECK(n <= kMaxExtent, type(), " '", name(), "': input ", shape_str(in), " has a side above ", kMaxExtent);
    std::int64_t out = 0;
    std::array<std::int64_t, 2> pads{0, 0};
    if (o_.padding_ == "explicit") {
      pads = o_.explicit_padding_[i];
      out = (n - 1) * s + k - pads[0] - pads[1] + (o_.output_padding_ ? (*o_.output_padding_)[i] : 0);
    } else {
      const bool same = o_.padding_ == "same";
      out = o_.output_padding_ ? (n - 1) * s + k - 2 * (same ? k / 2 : 0) + (*o_.output_padding_)[i]
            : same             ? n * s
                               : n * s + std::max<std::int64_t>(k - s, 0);
      if (same) pads = ops::same_padding(out, o_.kernel_size_[i], s, o_.dilation_rate_[i]);
    }
    STRATA_CHECK(out >= 1, type(), " '", name(), "': the padding leaves no output for input ", shape_str(in));
    g.pad_begin.push_back(pads[0]);
    g.pad_end.push_back(pads[1]);
    p.out.push_back(out);
  }
  return p;
}

template <std::size_t Rank>
Shape ConvolutionTranspose<Rank>::compute_output_shape(const std::vector<Shape>& in) const {
  Shape y{o_.filters_};
  const Shape out = plan(in[0]).out;
  y.insert(y.end(), out.begin(), out.end());
  return y;
}

template <std::size_t Rank>
void ConvolutionTranspose<Rank>::build(const std::vector<Shape>& in) {
  plan(in[0]);  // validates the input
  Shape w{in[0][0], o_.filters_};
  w.insert(w.end(), o_.kernel_size_.begin(), o_.kernel_size_.end());
  std::vector<std::int64_t> fan_axes{0};  // the max-norm constraint's axes: all but the output channel
  for (std::int64_t a = 2; a < static_cast<std::int64_t>(Rank) + 2; ++a) fan_axes.push_back(a);
  kernel_ = &add_weight("kernel", w, initializer(o_.kernel_initializer_), true, o_.kernel_regularizer_,
                        o_.kernel_constraint_, fan_axes);
  if (o_.use_bias_) bias_ = &add_weight("bias", {o_.filters_}, initializer(o_.bias_initializer_), true, o_.bias_regularizer_);
}

template <std::size_t Rank>
Variable ConvolutionTranspose<Rank>::forward(const std::vector<Variable>& in, bool) {
  const Plan p = plan(Shape(in[0].shape().begin() + 1, in[0].shape().end()));
  return apply_activation(o_.activation_, ops::conv_transpose(in[0], kernel_->variable,
                                                              bias_ ? bias_->variable : Variable(), p.geometry, p.out));
}

template <std::size_t Rank>
void ConvolutionTranspose<Rank>::layer_config(nlohmann::json& c) const {
  config::write_fields(o_, c);
  if (o_.padding_ != "explicit") c.erase("explicit_padding");
}

template <std::size_t Rank>
LayerPtr ConvolutionTranspose<Rank>::from_config(const nlohmann::json& c) {
  ConvTransposeOptions<Rank> o(config::require<std::int64_t>(c, "filters"),
                               config::require<typename ConvTransposeOptions<Rank>::Size>(c, "kernel_size"));
  config::read_fields(c, o);
  return std::make_shared<ConvolutionTranspose>(o.name(config::name(c)));
}

template class ConvolutionTranspose<1>;
template class ConvolutionTranspose<2>;
template class ConvolutionTranspose<3>;

namespace {
const LayerRegistrar conv1d_transpose_registrar("Conv1DTranspose", Conv1DTranspose::from_config);
const LayerRegistrar conv2d_transpose_registrar("Conv2DTranspose", Conv2DTranspose::from_config);
const LayerRegistrar conv3d_transpose_registrar("Conv3DTranspose", Conv3DTranspose::from_config);
}  // namespace

}  // namespace strata::nn
