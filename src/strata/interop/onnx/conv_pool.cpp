// ONNX import and export: Conv, MaxPool/AveragePool/LpPool, global pooling, BatchNormalization,
// LayerNormalization (opset 17), Resize.
#include "strata/interop/onnx/exporter.h"
#include "strata/interop/onnx/importer.h"

#include <cmath>

namespace strata::interop::onnx_importer {

namespace {
// Explicit (begin, end) pads for ONNX's auto_pad SAME_UPPER (TensorFlow's "same") / SAME_LOWER.
std::array<std::int64_t, 2> same_pads(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d, bool upper) {
  const auto p = ops::same_padding(in, k, s, d);
  return upper ? p : std::array<std::int64_t, 2>{p[1], p[0]};
}

template <std::size_t Rank>
std::array<std::int64_t, Rank> fixed(const std::vector<std::int64_t>& v) {
  std::array<std::int64_t, Rank> a{};
  std::copy(v.begin(), v.end(), a.begin());
  return a;
}

// ONNX pads [b_1..b_n, e_1..e_n] as (begin, end) pairs per axis.
template <std::size_t Rank>
std::array<std::array<std::int64_t, 2>, Rank> pairs(const std::vector<std::int64_t>& pads) {
  std::array<std::array<std::int64_t, 2>, Rank> p{};
  for (std::size_t i = 0; i < Rank; ++i) p[i] = {pads[i], pads[i + Rank]};
  return p;
}
}  // namespace

WindowAttributes Importer::window_attributes(const NodeProto& n, std::size_t rank, bool pads_from_auto_pad,
                                             const std::vector<std::int64_t>& kernel, const Shape& in) {
  WindowAttributes w{attr_ints(n, "strides", std::vector<std::int64_t>(rank, 1)),
                     attr_ints(n, "dilations", std::vector<std::int64_t>(rank, 1)),
                     attr_ints(n, "pads", std::vector<std::int64_t>(2 * rank, 0)), attr_string(n, "auto_pad", "NOTSET")};
  if (w.strides.size() != rank || w.dilations.size() != rank || w.pads.size() != 2 * rank)
    unsupported("strides, dilations and pads must have ", rank, ", ", rank, " and ", 2 * rank, " entries for ", rank,
                " spatial axes");
  if (w.auto_pad == "VALID") {
    w.pads.assign(2 * rank, 0);
  } else if (w.auto_pad == "SAME_UPPER" || w.auto_pad == "SAME_LOWER") {
    if (pads_from_auto_pad)
      for (std::size_t i = 0; i < rank; ++i) {
        const auto p = same_pads(in[i + 1], kernel[i], w.strides[i], w.dilations[i], w.auto_pad == "SAME_UPPER");
        w.pads[i] = p[0];
        w.pads[i + rank] = p[1];
      }
  } else if (w.auto_pad != "NOTSET") {
    unsupported("attribute auto_pad=", w.auto_pad);
  }
  return w;
}

namespace {
template <std::size_t Rank, class Options>
void set_window(Options& o, const WindowAttributes& w) {
  o.strides(fixed<Rank>(w.strides)).dilation_rate(fixed<Rank>(w.dilations));
  if (std::any_of(w.pads.begin(), w.pads.end(), [](auto p) { return p != 0; }))
    o.padding("explicit").explicit_padding(pairs<Rank>(w.pads));
}

// Conv of rank 1 and 3 (rank 2 has its own class with the inference fusions).
template <std::size_t Rank>
nn::LayerPtr conv_nd(const WindowAttributes& a, const Tensor& w, bool bias, std::int64_t group, std::int64_t channels,
                     std::map<std::string, Tensor>& weights) {
  nn::ConvOptions<Rank> o(w.size(0), fixed<Rank>(Shape(w.shape().begin() + 2, w.shape().end())));
  set_window<Rank>(o, a);
  o.use_bias(bias);
  if (Rank == 1 && group == channels && group > 1 && w.size(1) == 1 && w.size(0) % channels == 0) {
    weights["depthwise_kernel"] = w;
    return std::make_shared<nn::Convolution<Rank>>(o.depth_multiplier(w.size(0) / channels),
                                                   nn::Convolution<Rank>::Kind::depthwise);
  }
  weights["kernel"] = w;
  return std::make_shared<nn::Convolution<Rank>>(o.groups(group));
}

template <std::size_t Rank>
nn::LayerPtr conv_transpose_nd(const WindowAttributes& a, const Tensor& w, bool bias,
                               const std::vector<std::int64_t>& output_padding) {
  nn::ConvTransposeOptions<Rank> o(w.size(1), fixed<Rank>(Shape(w.shape().begin() + 2, w.shape().end())));
  o.strides(fixed<Rank>(a.strides)).dilation_rate(fixed<Rank>(a.dilations)).use_bias(bias);
  o.padding("explicit").explicit_padding(pairs<Rank>(a.pads)).output_padding(fixed<Rank>(output_padding));
  return std::make_shared<nn::ConvolutionTranspose<Rank>>(o);
}

template <std::size_t Rank>
nn::LayerPtr pool_nd(bool max, const std::vector<std::int64_t>& kernel, const WindowAttributes& a, bool ceil_mode,
                     bool count_include_pad) {
  auto layer = std::make_shared<nn::Pooling<Rank>>(max ? kernels::PoolKind::max : kernels::PoolKind::avg,
                                                    fixed<Rank>(kernel), fixed<Rank>(a.strides));
  if (std::any_of(a.pads.begin(), a.pads.end(), [](auto p) { return p != 0; })) layer->explicit_padding(pairs<Rank>(a.pads));
  layer->dilation(fixed<Rank>(a.dilations)).ceil_mode(ceil_mode).count_include_pad(count_include_pad);
  return layer;
}

template <std::size_t Rank>
nn::LayerPtr global_pool_nd(bool max) {
  return std::make_shared<nn::GlobalPooling<Rank>>(max ? kernels::PoolKind::max : kernels::PoolKind::avg, true);
}

// The spatial rank of an input (C, *spatial), refused outside 1..3.
std::size_t spatial_rank(const Shape& x, const char* op) {
  if (x.size() < 2 || x.size() > 4)
    throw Unsupported(std::string(op) + ": only 1 to 3 spatial axes are supported (input " + shape_str(x) + ")");
  return x.size() - 1;
}
}  // namespace

void Importer::conv(const NodeProto& n) {
  require_leading("Conv");
  const SymbolicTensor x = sym_in(n, 0);
  const Tensor w = const_in(n, 1, "the weight");
  const std::size_t rank = spatial_rank(x.shape(), "Conv");
  if (static_cast<std::size_t>(w.dim()) != rank + 2)
    unsupported("the weight ", shape_str(w.shape()), " does not match an input of ", rank, " spatial axes");
  const std::vector<std::int64_t> k(w.shape().begin() + 2, w.shape().end());
  if (attr_ints(n, "kernel_shape", k) != k) unsupported("kernel_shape disagrees with the weight");
  const std::int64_t channels = x.shape()[0], out = w.size(0), group = attr_int(n, "group", 1);
  const WindowAttributes a = window_attributes(n, rank, true, k, x.shape());
  std::map<std::string, Tensor> weights;
  if (has_input(n, 2)) weights["bias"] = const_in(n, 2, "the bias");
  nn::LayerPtr layer;
  if (rank == 1) {
    layer = conv_nd<1>(a, w, has_input(n, 2), group, channels, weights);
  } else if (rank == 3) {
    layer = conv_nd<3>(a, w, has_input(n, 2), group, channels, weights);
  } else {
    nn::Conv2DOptions o(out, nn::Size2{k[0], k[1]});
    set_window<2>(o, a);
    o.use_bias(has_input(n, 2));
    if (group == 1) {
      weights["kernel"] = w;
      layer = std::make_shared<nn::Conv2D>(o);
    } else if (group == channels && w.size(1) == 1 && out % channels == 0) {
      weights["depthwise_kernel"] = w;
      layer = std::make_shared<nn::Conv2D>(o.depth_multiplier(out / channels), nn::Conv2D::Kind::depthwise);
    } else {
      weights["kernel"] = w;
      layer = std::make_shared<nn::Conv2D>(o.groups(group));
    }
  }
  set_symbol(n, add_layer(n, layer, {x}, weights));
}

// ConvTranspose (group 1, 1 to 3 spatial axes) as ConvNDTranspose with explicit padding and
// output_padding; output_shape and auto_pad are turned into pads as ONNX's spec says.
void Importer::conv_transpose(const NodeProto& n) {
  require_leading("ConvTranspose");
  const SymbolicTensor x = sym_in(n, 0);
  const Tensor w = const_in(n, 1, "the weight");
  const std::size_t rank = spatial_rank(x.shape(), "ConvTranspose");
  if (static_cast<std::size_t>(w.dim()) != rank + 2)
    unsupported("the weight ", shape_str(w.shape()), " does not match an input of ", rank, " spatial axes");
  if (attr_int(n, "group", 1) != 1) unsupported("attribute group=", attr_int(n, "group", 1), " (only 1)");
  const std::vector<std::int64_t> k(w.shape().begin() + 2, w.shape().end());
  if (attr_ints(n, "kernel_shape", k) != k) unsupported("kernel_shape disagrees with the weight");
  WindowAttributes a = window_attributes(n, rank, false, k, x.shape());
  auto output_padding = attr_ints(n, "output_padding", std::vector<std::int64_t>(rank, 0));
  if (output_padding.size() != rank) unsupported("output_padding must have ", rank, " entries");
  std::vector<std::int64_t> output_shape = attr_ints(n, "output_shape", {});
  if (output_shape.size() > rank) output_shape.erase(output_shape.begin(), output_shape.end() - static_cast<std::ptrdiff_t>(rank));  // N, C given too
  if (output_shape.empty() && (a.auto_pad == "SAME_UPPER" || a.auto_pad == "SAME_LOWER"))
    for (std::size_t i = 0; i < rank; ++i) output_shape.push_back(x.shape()[1 + i] * a.strides[i]);
  if (!output_shape.empty()) {
    if (output_shape.size() != rank) unsupported("output_shape must have ", rank, " spatial entries");
    for (std::size_t i = 0; i < rank; ++i) {
      const std::int64_t kd = (k[i] - 1) * a.dilations[i] + 1;
      const std::int64_t total = a.strides[i] * (x.shape()[1 + i] - 1) + output_padding[i] + kd - output_shape[i];
      const std::int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);  // floor, as ONNX's reference
      const bool upper = a.auto_pad == "SAME_UPPER";
      a.pads[i] = upper ? half : total - half;
      a.pads[i + rank] = upper ? total - half : half;
      // A negative end pad asks for positions beyond the natural size: ONNX's output_padding.
      if (a.pads[i + rank] < 0) {
        output_padding[i] -= a.pads[i + rank];
        a.pads[i + rank] = 0;
      }
      if (a.pads[i] < 0) unsupported("output_shape ", output_shape[i], " needs negative leading padding");
    }
  }
  const bool bias = has_input(n, 2);
  const nn::LayerPtr layer = rank == 1   ? conv_transpose_nd<1>(a, w, bias, output_padding)
                             : rank == 2 ? conv_transpose_nd<2>(a, w, bias, output_padding)
                                         : conv_transpose_nd<3>(a, w, bias, output_padding);
  std::map<std::string, Tensor> weights{{"kernel", w}};
  if (bias) weights["bias"] = const_in(n, 2, "the bias");
  set_symbol(n, add_layer(n, layer, {x}, weights));
}

void Importer::pool(const NodeProto& n) {
  require_leading(n.op_type().c_str());
  const SymbolicTensor x = sym_in(n, 0);
  if (n.output_size() > 1 && !n.output(1).empty()) unsupported("the Indices output of MaxPool is not supported");
  const std::size_t rank = spatial_rank(x.shape(), n.op_type().c_str());
  const auto kernel = attr_ints(n, "kernel_shape");
  if (kernel.size() != rank) unsupported("kernel_shape has ", kernel.size(), " entries for ", rank, " spatial axes");
  if (attr_int(n, "storage_order", 0) != 0) unsupported("attribute storage_order=1");
  const WindowAttributes a = window_attributes(n, rank, true, kernel, x.shape());
  const bool max = n.op_type() == "MaxPool";
  const bool ceil_mode = attr_int(n, "ceil_mode", 0) != 0, include_pad = !max && attr_int(n, "count_include_pad", 0) != 0;
  const nn::LayerPtr layer = rank == 1   ? pool_nd<1>(max, kernel, a, ceil_mode, include_pad)
                             : rank == 2 ? pool_nd<2>(max, kernel, a, ceil_mode, include_pad)
                                         : pool_nd<3>(max, kernel, a, ceil_mode, include_pad);
  set_symbol(n, add_layer(n, layer, {x}));
}

void Importer::global_pool(const NodeProto& n) {
  require_leading(n.op_type().c_str());
  const SymbolicTensor x = sym_in(n, 0);
  const std::size_t rank = spatial_rank(x.shape(), n.op_type().c_str());
  const bool max = n.op_type() == "GlobalMaxPool";
  set_symbol(n, add_layer(n, rank == 1 ? global_pool_nd<1>(max) : rank == 2 ? global_pool_nd<2>(max) : global_pool_nd<3>(max),
                          {x}));
}

void Importer::batch_norm(const NodeProto& n) {
  require_leading("BatchNormalization");
  if (attr_int(n, "training_mode", 0) != 0) unsupported("attribute training_mode=1");
  if (attr_int(n, "spatial", 1) != 1) unsupported("attribute spatial=0");
  for (int i = 1; i < n.output_size(); ++i)
    if (!n.output(i).empty()) unsupported("training outputs (running statistics) are not supported");
  const SymbolicTensor x = sym_in(n, 0);
  nn::BatchNormalizationOptions o;
  o.epsilon(attr_float(n, "epsilon", 1e-5)).momentum(attr_float(n, "momentum", 0.9));
  set_symbol(n, add_layer(n, std::make_shared<nn::BatchNormalization>(o), {x},
                          {{"gamma", const_in(n, 1, "scale")},
                           {"beta", const_in(n, 2, "B")},
                           {"moving_mean", const_in(n, 3, "mean")},
                           {"moving_variance", const_in(n, 4, "var")}}));
}

// InstanceNormalization: every channel of every example normalized over its spatial positions,
// then scaled and shifted per channel — GroupNormalization with one channel per group.
void Importer::instance_norm(const NodeProto& n) {
  require_leading("InstanceNormalization");
  const SymbolicTensor x = sym_in(n, 0);
  if (x.shape().size() < 2) unsupported("an input without spatial axes (", shape_str(x.shape()), ")");
  const std::int64_t channels = x.shape()[0];
  nn::GroupNormalizationOptions o;
  o.groups(channels).epsilon(attr_float(n, "epsilon", 1e-5));
  set_symbol(n, add_layer(n, std::make_shared<nn::GroupNormalization>(o), {x},
                          {{"gamma", const_in(n, 1, "scale")}, {"beta", const_in(n, 2, "B")}}));
}

// LayerNormalization (opset 17): normalizes over the axes from `axis` to the last.
void Importer::layer_norm(const NodeProto& n) {
  for (int i = 1; i < n.output_size(); ++i)
    if (!n.output(i).empty()) unsupported("the Mean and InvStdDev outputs");
  if (attr_int(n, "stash_type", 1) != 1) unsupported("stash_type other than 1 (float statistics)");
  const SymbolicTensor x = sym_in(n, 0);
  const std::int64_t rank = onnx_rank(in(n, 0));
  std::int64_t axis = attr_int(n, "axis", -1);
  if (axis < 0) axis += rank;
  const std::int64_t first = full_axis(axis, rank, "LayerNormalization");  // the batch axis is refused
  std::vector<std::int64_t> axes;
  for (std::int64_t a = first; a <= static_cast<std::int64_t>(x.shape().size()); ++a) axes.push_back(a);
  nn::LayerNormalizationOptions o;
  o.axis(axes).epsilon(attr_float(n, "epsilon", 1e-5)).center(has_input(n, 2));
  std::map<std::string, Tensor> weights{{"gamma", const_in(n, 1, "Scale")}};
  if (has_input(n, 2)) weights["beta"] = const_in(n, 2, "B");
  set_symbol(n, add_layer(n, std::make_shared<nn::LayerNormalization>(o), {x}, weights));
}

// ------------------------------------------------------------------ activations

namespace {
// Keras' UpSampling1D/2D/3D when a Resize is one: integer scales on the spatial axes of
// (C, *spatial), the channel kept, and nearest with asymmetric floor (repeat) or, in 2-D,
// linear with half-pixel centres (bilinear); null otherwise (the general Resize layer stays).
template <std::size_t Rank>
nn::LayerPtr upsampling(const std::vector<double>& scales, const std::string& interpolation) {
  typename nn::UpSampling<Rank>::Size size{};
  for (std::size_t i = 0; i < Rank; ++i) size[i] = static_cast<std::int64_t>(scales[i + 1]);
  return std::make_shared<nn::UpSampling<Rank>>(size, interpolation);
}
nn::LayerPtr as_upsampling(const nn::ResizeOptions& o) {
  const std::vector<double>& s = o.scales_;  // one per example axis: (C, *spatial)
  const std::size_t example_rank = s.size();
  if (example_rank < 2 || example_rank > 4 || s[0] != 1.0) return nullptr;
  for (std::size_t i = 1; i < s.size(); ++i)
    if (s[i] < 1.0 || s[i] > 65536.0 || s[i] != std::floor(s[i])) return nullptr;
  const bool repeat = o.mode_ == "nearest" && o.coordinate_transformation_mode_ == "asymmetric" && o.nearest_mode_ == "floor";
  const bool bilinear = o.mode_ == "linear" && o.coordinate_transformation_mode_ == "half_pixel" && example_rank == 3;
  if (!repeat && !bilinear) return nullptr;
  const std::string interpolation = repeat ? "nearest" : "bilinear";
  if (example_rank == 2) return upsampling<1>(s, interpolation);
  if (example_rank == 3) return upsampling<2>(s, interpolation);
  return upsampling<3>(s, interpolation);
}
}  // namespace

void Importer::resize(const NodeProto& n) {
  const bool upsample = n.op_type() == "Upsample";
  std::string mode = attr_string(n, "mode", "nearest");
  if (mode == "bilinear") mode = "linear";
  if (mode != "nearest" && mode != "linear") unsupported("attribute mode=", mode, " (nearest and linear are supported)");
  nn::ResizeOptions o;
  o.mode(mode);
  std::vector<double> scales;
  std::vector<std::int64_t> sizes;
  if (upsample || opset_ < 11) {  // Upsample and Resize-10: asymmetric coordinates, floor for nearest
    o.coordinate_transformation_mode("asymmetric").nearest_mode("floor");
    if (upsample && opset_ < 9) scales = attr_floats(n, "scales");
    else {
      const Tensor s = const_in(n, 1, "scales").to(DType::f64).contiguous();
      scales = s.to_vector<double>();
    }
  } else {
    const std::string t = attr_string(n, "coordinate_transformation_mode", "half_pixel");
    if (t == "tf_crop_and_resize") unsupported("attribute coordinate_transformation_mode=tf_crop_and_resize");
    if (attr_int(n, "exclude_outside", 0) != 0) unsupported("attribute exclude_outside=1");
    o.coordinate_transformation_mode(t).nearest_mode(attr_string(n, "nearest_mode", "round_prefer_floor"));
    if (has_input(n, 2) && const_in(n, 2, "scales").numel() > 0)
      scales = const_in(n, 2, "scales").to(DType::f64).contiguous().to_vector<double>();
    if (has_input(n, 3)) sizes = const_ints(n, 3, "sizes");
  }
  const Shape shape = onnx_shape(in(n, 0));
  if (!scales.empty() && scales.size() != shape.size()) unsupported(scales.size(), " scales for rank ", shape.size());
  if (!sizes.empty() && sizes.size() != shape.size()) unsupported(sizes.size(), " sizes for rank ", shape.size());
  if (leading_) {
    if (!scales.empty()) {
      if (scales[0] != 1.0) unsupported("resizes the batch axis");
      scales.erase(scales.begin());
    }
    if (!sizes.empty()) sizes.erase(sizes.begin());
  }
  if (sizes.empty()) o.scales(scales);
  else o.sizes(Shape(sizes.begin(), sizes.end()));
  if (const nn::LayerPtr up = as_upsampling(o)) {
    set_symbol(n, add_layer(n, up, {sym_in(n, 0)}));
    return;
  }
  set_symbol(n, add_layer(n, std::make_shared<nn::Resize>(o), {sym_in(n, 0)}));
}

}  // namespace strata::interop::onnx_importer

// ---------------------------------------------------------------- export

namespace strata::interop::onnx_exporter {

namespace {
// A config's per-axis list (kernel_size, strides, ...), or `fallback` when absent.
std::vector<std::int64_t> axis_list(const Json& c, const char* key, std::vector<std::int64_t> fallback) {
  return c.contains(key) && !c[key].is_null() ? c[key].get<std::vector<std::int64_t>>() : fallback;
}

// ONNX pads [begin_1, ..., begin_n, end_1, ..., end_n] from a config's padding for input
// (C, *spatial): "valid", "same", "causal" or "explicit".
std::vector<std::int64_t> onnx_pads(const Json& c, const Shape& in, const Shape& k, const Shape& s, const Shape& d) {
  const std::string padding = c.value("padding", std::string("valid"));
  ops::Pads explicit_pads;
  if (padding == "explicit") explicit_pads = c.at("explicit_padding").get<ops::Pads>();
  const ops::Pads p = ops::conv_padding("ONNX export", padding, explicit_pads, Shape(in.begin() + 1, in.end()), k, s, d);
  std::vector<std::int64_t> pads;
  for (const auto& axis : p) pads.push_back(axis[0]);
  for (const auto& axis : p) pads.push_back(axis[1]);
  return pads;
}
}  // namespace

std::string Exporter::conv(const nn::LayerPtr& l, const std::string& name, const Json& c, const std::string& x,
                           const Shape& in) {
  const std::string type = l->type();
  const std::size_t rank = in.size() - 1;
  const auto k = c.at("kernel_size").get<std::vector<std::int64_t>>();
  const auto s = axis_list(c, "strides", Shape(rank, 1));
  const auto d = axis_list(c, "dilation_rate", Shape(rank, 1));
  const auto pads = onnx_pads(c, in, k, s, d);
  auto add_conv = [&](const std::string& input, const Tensor& w, const Tensor& b, std::int64_t group, bool spatial,
                      const std::string& output) {
    std::vector<std::string> inputs{input, constant(name + "/" + (spatial ? "kernel" : "pointwise_kernel"), w)};
    if (b.defined()) inputs.push_back(constant(name + "/bias", b));
    auto& n = node("Conv", inputs, output);
    attr(n, "kernel_shape", std::vector<std::int64_t>(w.shape().begin() + 2, w.shape().end()));
    if (spatial) {
      attr(n, "strides", s);
      attr(n, "dilations", d);
      attr(n, "pads", pads);
    }
    attr(n, "group", group);
    return output;
  };
  const std::string act = c.value("activation", std::string());
  const std::string conv_out = act.empty() || act == "linear" ? name : unique(name + "/conv");
  std::string y;
  if (type.rfind("Conv", 0) == 0) {
    y = add_conv(x, weight(l, "kernel"), weight(l, "bias"), c.value("groups", std::int64_t{1}), true, conv_out);
  } else if (type.rfind("DepthwiseConv", 0) == 0) {
    y = add_conv(x, weight(l, "depthwise_kernel"), weight(l, "bias"), in[0], true, conv_out);
  } else {  // SeparableConv: depthwise then pointwise
    const std::string dw = add_conv(x, weight(l, "depthwise_kernel"), Tensor(), in[0], true, unique(name + "/depthwise"));
    y = add_conv(dw, weight(l, "pointwise_kernel"), weight(l, "bias"), 1, false, conv_out);
  }
  return conv_out == name ? y : activation(act, y, name);
}

std::string Exporter::pool(const nn::LayerPtr& l, const std::string& name, const Json& c, const std::string& x,
                           const Shape& in) {
  const std::size_t rank = in.size() - 1;
  const auto k = c.at("pool_size").get<std::vector<std::int64_t>>();
  auto s = axis_list(c, "strides", k);
  if (s[0] == 0) s = k;
  const auto d = axis_list(c, "dilation", Shape(rank, 1));
  const bool max = l->type().rfind("MaxPooling", 0) == 0;
  auto& n = node(max ? "MaxPool" : "AveragePool", {x}, name);
  attr(n, "kernel_shape", k);
  attr(n, "strides", s);
  attr(n, "pads", onnx_pads(c, in, k, s, d));
  if (d != Shape(rank, 1)) {
    attr(n, "dilations", d);
    if (!max) require_opset(19);  // AveragePool takes dilations from opset 19
  }
  if (c.value("ceil_mode", false)) attr(n, "ceil_mode", std::int64_t{1});
  if (!max && c.value("count_include_pad", false)) attr(n, "count_include_pad", std::int64_t{1});
  return name;
}

template <std::size_t Rank>
std::string Exporter::conv_transpose(const nn::ConvolutionTranspose<Rank>& t, const nn::LayerPtr& l,
                                     const std::string& name, const std::string& x, const Shape& in) {
  const auto plan = t.plan(in);
  const auto& g = plan.geometry;
  const Tensor w = weight(l, "kernel"), b = weight(l, "bias");
  std::vector<std::int64_t> output_padding, pads = g.pad_begin;
  pads.insert(pads.end(), g.pad_end.begin(), g.pad_end.end());
  for (std::size_t i = 0; i < Rank; ++i)  // what ONNX's size formula leaves over: the positions only the bias reaches
    output_padding.push_back(plan.out[i] - ((in[1 + i] - 1) * g.stride[i] + (w.size(2 + i) - 1) * g.dilation[i] + 1 -
                                            g.pad_begin[i] - g.pad_end[i]));
  std::vector<std::string> inputs{x, constant(name + "/kernel", w)};
  if (b.defined()) inputs.push_back(constant(name + "/bias", b));
  const std::string act = t.options().activation_;
  const std::string conv_out = act.empty() || act == "linear" ? name : unique(name + "/conv_transpose");
  auto& n = node("ConvTranspose", inputs, conv_out);
  attr(n, "kernel_shape", std::vector<std::int64_t>(w.shape().begin() + 2, w.shape().end()));
  attr(n, "strides", g.stride);
  attr(n, "dilations", g.dilation);
  attr(n, "pads", pads);
  attr(n, "output_padding", output_padding);
  return conv_out == name ? conv_out : activation(act, conv_out, name);
}

std::string Exporter::export_conv_pool(const LayerCall& call) {
  const auto& [l, type, name, c, in, shapes] = call;
  const std::string& x = in.at(0);
  const bool conv_family = type == "Conv1D" || type == "Conv2D" || type == "Conv3D" || type == "DepthwiseConv1D" ||
                           type == "DepthwiseConv2D" || type == "SeparableConv1D" || type == "SeparableConv2D";
  if (conv_family) return conv(l, name, c, x, shapes[0]);
  if (type.find("Pooling") != std::string::npos && type.rfind("Global", 0) != 0) return pool(l, name, c, x, shapes[0]);
  if (type == "Conv1DTranspose") return conv_transpose(*nn::as<nn::Conv1DTranspose>(l), l, name, x, shapes[0]);
  if (type == "Conv2DTranspose") return conv_transpose(*nn::as<nn::Conv2DTranspose>(l), l, name, x, shapes[0]);
  if (type == "Conv3DTranspose") return conv_transpose(*nn::as<nn::Conv3DTranspose>(l), l, name, x, shapes[0]);
  if (type == "BatchNormalization") {
    const Tensor mean = weight(l, "moving_mean"), var = weight(l, "moving_variance");
    Tensor gamma = weight(l, "gamma"), beta = weight(l, "beta");
    if (!gamma.defined()) gamma = Tensor::ones(mean.shape());
    if (!beta.defined()) beta = Tensor::zeros(mean.shape());
    auto& n = node("BatchNormalization",
                   {x, constant(name + "/gamma", gamma), constant(name + "/beta", beta), constant(name + "/moving_mean", mean),
                    constant(name + "/moving_variance", var)},
                   name);
    attr(n, "epsilon", c.at("epsilon").get<double>());  // the layer's own config: always written
    attr(n, "momentum", c.at("momentum").get<double>());
    return name;
  }
  if (type == "LayerNormalization") {
    const auto* ln = nn::as<nn::LayerNormalization>(l);
    const auto rank = static_cast<std::int64_t>(shapes[0].size()) + 1;
    const auto axes = nn::example_axes(ln->options().axis_, shapes[0].size(), "LayerNormalization");
    for (std::size_t i = 0; i < axes.size(); ++i)
      if (axes[i] != rank - static_cast<std::int64_t>(axes.size() - i))
        throw Unsupported("LayerNormalization over axes that are not the last ones (ONNX normalizes from axis to the end)");
    const Tensor gamma = weight(l, "gamma"), beta = weight(l, "beta");
    Shape normalized(shapes[0].end() - static_cast<std::ptrdiff_t>(axes.size()), shapes[0].end());
    std::vector<std::string> inputs{x, constant(name + "/gamma", gamma.defined() ? gamma : Tensor::ones(normalized))};
    if (beta.defined()) inputs.push_back(constant(name + "/beta", beta));
    auto& n = node("LayerNormalization", inputs, name);
    attr(n, "axis", axes[0]);
    attr(n, "epsilon", ln->options().epsilon_);
    require_opset(17);
    return name;
  }
  if (type == "GroupNormalization") {
    // ONNX's GroupNormalization is opset 18 (newer than this exporter's 17): the same as a
    // Reshape to [N, groups, -1], an InstanceNormalization of those rows (no scale or shift),
    // a Reshape back and the per-channel scale and shift, as PyTorch exports GroupNorm.
    const auto* gn = nn::as<nn::GroupNormalization>(l);
    if (gn->channel_axis(shapes[0].size()) != 1) throw Unsupported("GroupNormalization over a channel axis other than 1");
    const Shape& in = shapes[0];
    const std::int64_t groups = gn->options().groups_, channels = in[0];
    const std::string grouped = node("Reshape", {x, ints_constant(name + "/grouped_shape", {0, groups, -1})}, unique(name + "/grouped")).output(0);
    auto& norm = node("InstanceNormalization",
                      {grouped, constant(name + "/unit_scale", Tensor::ones({groups})), constant(name + "/zero_shift", Tensor::zeros({groups}))},
                      unique(name + "/normalized"));
    attr(norm, "epsilon", gn->options().epsilon_);
    std::vector<std::int64_t> back{0};
    back.insert(back.end(), in.begin(), in.end());
    std::string y = node("Reshape", {norm.output(0), ints_constant(name + "/shape", back)}, unique(name + "/ungrouped")).output(0);
    Shape per_channel(in.size(), 1);
    per_channel[0] = channels;
    const Tensor gamma = weight(l, "gamma"), beta = weight(l, "beta");
    if (gamma.defined())
      y = node("Mul", {y, constant(name + "/gamma", gamma.reshape(per_channel))}, beta.defined() ? unique(name + "/scaled") : name).output(0);
    if (beta.defined()) y = node("Add", {y, constant(name + "/beta", beta.reshape(per_channel))}, name).output(0);
    return y;
  }
  if (type.rfind("Global", 0) == 0 && type.find("Pooling") != std::string::npos) {
    const bool keep = c.value("keepdims", false);
    const std::string op = type.rfind("GlobalAverage", 0) == 0 ? "GlobalAveragePool" : "GlobalMaxPool";
    const std::string pooled = node(op, {x}, keep ? name : unique(name + "/pool")).output(0);
    if (keep) return name;
    auto& n = node("Flatten", {pooled}, name);
    attr(n, "axis", std::int64_t{1});
    return name;
  }
  if (type == "Resize") {
    if (!c.contains("scales")) throw Unsupported("Resize to fixed sizes (only scales export)");
    std::vector<float> scales{1.0f};
    for (double s : c.at("scales").get<std::vector<double>>()) scales.push_back(static_cast<float>(s));
    const std::string roi = constant(name + "/roi", Tensor::zeros({0}));
    auto& n = node("Resize", {x, roi, constant(name + "/scales", Tensor::from_vector(scales, {static_cast<std::int64_t>(scales.size())}))}, name);
    attr(n, "mode", c.at("mode").get<std::string>());
    attr(n, "coordinate_transformation_mode", c.at("coordinate_transformation_mode").get<std::string>());
    attr(n, "nearest_mode", c.at("nearest_mode").get<std::string>());
    return name;
  }
  throw Unsupported("no ONNX export for this layer type");
}

}  // namespace strata::interop::onnx_exporter
