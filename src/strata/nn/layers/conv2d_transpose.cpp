#include "strata/nn/layers/conv2d_transpose.h"

#include "strata/nn/layer_config.h"
#include "strata/nn/registry.h"
#include "strata/ops/ops.h"

namespace strata::nn {

namespace {
// Sizes, strides, dilations and pads above this are refused, so the output-size arithmetic
// (products of two of them plus a few more) stays far inside 64 bits.
constexpr std::int64_t kMaxExtent = std::int64_t{1} << 30;
}  // namespace

Conv2DTranspose::Conv2DTranspose(Conv2DTransposeOptions o) : Layer(o.name_), o_(std::move(o)) {
  STRATA_CHECK(o_.filters_ > 0, "Conv2DTranspose: filters must be positive, got ", o_.filters_);
  for (int i = 0; i < 2; ++i) {
    for (auto v : {o_.kernel_size_[i], o_.strides_[i], o_.dilation_rate_[i]})
      STRATA_CHECK(v > 0 && v <= kMaxExtent, "Conv2DTranspose: kernel_size, strides and dilation_rate must be in 1..",
                   kMaxExtent, ", got ", v);
    if (o_.output_padding_)
      STRATA_CHECK((*o_.output_padding_)[i] >= 0 && (*o_.output_padding_)[i] < std::max(o_.strides_[i], o_.dilation_rate_[i]),
                   "Conv2DTranspose: output_padding must be >= 0 and smaller than the stride or the dilation, got (",
                   (*o_.output_padding_)[0], ", ", (*o_.output_padding_)[1], ")");
  }
  STRATA_CHECK(o_.padding_ == "valid" || o_.padding_ == "same" || o_.padding_ == "explicit",
               "Conv2DTranspose: padding must be \"valid\", \"same\" or \"explicit\", got \"", o_.padding_, "\"");
  for (const auto& p : o_.explicit_padding_)
    STRATA_CHECK(p[0] >= 0 && p[1] >= 0 && p[0] <= kMaxExtent && p[1] <= kMaxExtent,
                 "Conv2DTranspose: explicit padding must be in 0..", kMaxExtent);
  check_activation_name(o_.activation_);
}

Conv2DTranspose::Plan Conv2DTranspose::plan(const Shape& in) const {
  STRATA_CHECK(in.size() == 3, "Conv2DTranspose '", name(), "': expects input (C, H, W) but got ", shape_str(in));
  STRATA_CHECK(in[1] <= kMaxExtent && in[2] <= kMaxExtent, "Conv2DTranspose '", name(), "': input ", shape_str(in),
               " has a side above ", kMaxExtent);
  Plan p;
  kernels::Conv2dGeometry& g = p.geometry;
  g.stride_h = o_.strides_[0];
  g.stride_w = o_.strides_[1];
  g.dilation_h = o_.dilation_rate_[0];
  g.dilation_w = o_.dilation_rate_[1];
  std::int64_t out[2];
  std::array<std::int64_t, 2> pads[2];
  for (int i = 0; i < 2; ++i) {
    const std::int64_t n = in[i + 1], s = o_.strides_[i], k = (o_.kernel_size_[i] - 1) * o_.dilation_rate_[i] + 1;
    if (o_.padding_ == "explicit") {
      pads[i] = {o_.explicit_padding_[i][0], o_.explicit_padding_[i][1]};
      out[i] = (n - 1) * s + k - pads[i][0] - pads[i][1] + (o_.output_padding_ ? (*o_.output_padding_)[i] : 0);
    } else {
      const bool same = o_.padding_ == "same";
      out[i] = o_.output_padding_ ? (n - 1) * s + k - 2 * (same ? k / 2 : 0) + (*o_.output_padding_)[i]
                                  : same ? n * s : n * s + std::max<std::int64_t>(k - s, 0);
      pads[i] = same ? ops::same_padding(out[i], o_.kernel_size_[i], s, o_.dilation_rate_[i]) : std::array<std::int64_t, 2>{0, 0};
    }
    STRATA_CHECK(out[i] >= 1, "Conv2DTranspose '", name(), "': the padding leaves no output for input ", shape_str(in));
  }
  g.pad_top = pads[0][0];
  g.pad_bottom = pads[0][1];
  g.pad_left = pads[1][0];
  g.pad_right = pads[1][1];
  p.out_h = out[0];
  p.out_w = out[1];
  return p;
}

Shape Conv2DTranspose::compute_output_shape(const std::vector<Shape>& in) const {
  const Plan p = plan(in[0]);
  return {o_.filters_, p.out_h, p.out_w};
}

void Conv2DTranspose::build(const std::vector<Shape>& in) {
  plan(in[0]);  // validates the input
  kernel_ = &add_weight("kernel", {in[0][0], o_.filters_, o_.kernel_size_[0], o_.kernel_size_[1]},
                        initializer(o_.kernel_initializer_), true, o_.kernel_regularizer_, o_.kernel_constraint_, {0, 2, 3});
  if (o_.use_bias_) bias_ = &add_weight("bias", {o_.filters_}, initializer(o_.bias_initializer_), true, o_.bias_regularizer_);
}

Variable Conv2DTranspose::forward(const std::vector<Variable>& in, bool) {
  const Shape example(in[0].shape().begin() + 1, in[0].shape().end());
  const Plan p = plan(example);
  return apply_activation(o_.activation_, ops::conv_transpose2d(in[0], kernel_->variable,
                                                                bias_ ? bias_->variable : Variable(), p.geometry,
                                                                p.out_h, p.out_w));
}

void Conv2DTranspose::layer_config(nlohmann::json& c) const {
  config::write_fields(o_, c);
  if (o_.padding_ != "explicit") c.erase("explicit_padding");
}

LayerPtr Conv2DTranspose::from_config(const nlohmann::json& c) {
  Conv2DTransposeOptions o(config::require<std::int64_t>(c, "filters"), config::require<Size2>(c, "kernel_size"));
  config::read_fields(c, o);
  return std::make_shared<Conv2DTranspose>(o.name(config::name(c)));
}

namespace {
const LayerRegistrar conv2d_transpose_registrar("Conv2DTranspose", Conv2DTranspose::from_config);
}  // namespace

}  // namespace strata::nn
