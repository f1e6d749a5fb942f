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
}  // namespace

void Importer::conv(const NodeProto& n) {
  require_leading("Conv");
  const SymbolicTensor x = sym_in(n, 0);
  const Tensor w = const_in(n, 1, "the weight");
  if (w.dim() != 4 || x.shape().size() != 3) unsupported("only 2-D convolution is supported (weight ", shape_str(w.shape()), ")");
  const std::int64_t channels = x.shape()[0], out = w.size(0), kh = w.size(2), kw = w.size(3);
  const std::int64_t group = attr_int(n, "group", 1);
  const auto strides = attr_ints(n, "strides", {1, 1}), dilations = attr_ints(n, "dilations", {1, 1});
  auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
  const auto kernel_shape = attr_ints(n, "kernel_shape", {kh, kw});
  if (kernel_shape != std::vector<std::int64_t>{kh, kw}) unsupported("kernel_shape disagrees with the weight");
  const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  nn::Conv2DOptions o(out, nn::Size2{kh, kw});
  o.strides({strides[0], strides[1]}).dilation_rate({dilations[0], dilations[1]}).use_bias(has_input(n, 2));
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    const bool upper = auto_pad == "SAME_UPPER";
    const auto ph = same_pads(x.shape()[1], kh, strides[0], dilations[0], upper);
    const auto pw = same_pads(x.shape()[2], kw, strides[1], dilations[1], upper);
    pads = {ph[0], pw[0], ph[1], pw[1]};
  } else if (auto_pad == "VALID") {
    pads = {0, 0, 0, 0};
  } else if (auto_pad != "NOTSET") {
    unsupported("attribute auto_pad=", auto_pad);
  }
  if (std::any_of(pads.begin(), pads.end(), [](auto p) { return p != 0; }))
    o.padding("explicit").explicit_padding({nn::Size2{pads[0], pads[2]}, nn::Size2{pads[1], pads[3]}});
  std::map<std::string, Tensor> weights;
  if (has_input(n, 2)) weights["bias"] = const_in(n, 2, "the bias");
  nn::LayerPtr layer;
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
  set_symbol(n, add_layer(n, layer, {x}, weights));
}

// ConvTranspose (2-D, group 1) as Conv2DTranspose with explicit padding and output_padding;
// output_shape and auto_pad are turned into pads as ONNX's spec says.
void Importer::conv_transpose(const NodeProto& n) {
  require_leading("ConvTranspose");
  const SymbolicTensor x = sym_in(n, 0);
  const Tensor w = const_in(n, 1, "the weight");
  if (w.dim() != 4 || x.shape().size() != 3) unsupported("only 2-D transposed convolution is supported (weight ", shape_str(w.shape()), ")");
  if (attr_int(n, "group", 1) != 1) unsupported("attribute group=", attr_int(n, "group", 1), " (only 1)");
  const std::int64_t kh = w.size(2), kw = w.size(3);
  if (attr_ints(n, "kernel_shape", {kh, kw}) != std::vector<std::int64_t>{kh, kw}) unsupported("kernel_shape disagrees with the weight");
  const auto strides = attr_ints(n, "strides", {1, 1}), dilations = attr_ints(n, "dilations", {1, 1});
  auto output_padding = attr_ints(n, "output_padding", {0, 0});
  auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
  const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  std::vector<std::int64_t> output_shape = attr_ints(n, "output_shape", {});
  if (output_shape.size() > 2) output_shape.erase(output_shape.begin(), output_shape.end() - 2);  // N, C given too
  if (output_shape.empty() && (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER"))
    output_shape = {x.shape()[1] * strides[0], x.shape()[2] * strides[1]};
  if (auto_pad == "VALID") pads = {0, 0, 0, 0};
  else if (auto_pad != "NOTSET" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER") unsupported("attribute auto_pad=", auto_pad);
  if (!output_shape.empty()) {
    for (int i = 0; i < 2; ++i) {
      const std::int64_t k = (w.size(2 + i) - 1) * dilations[i] + 1;
      const std::int64_t total = strides[i] * (x.shape()[1 + i] - 1) + output_padding[i] + k - output_shape[i];
      const std::int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);  // floor, as ONNX's reference
      const bool upper = auto_pad == "SAME_UPPER";
      pads[i] = upper ? half : total - half;
      pads[i + 2] = upper ? total - half : half;
      // A negative end pad asks for rows beyond the natural size: ONNX's output_padding.
      if (pads[i + 2] < 0) {
        output_padding[i] -= pads[i + 2];
        pads[i + 2] = 0;
      }
      if (pads[i] < 0) unsupported("output_shape ", output_shape[i], " needs negative leading padding");
    }
  }
  nn::Conv2DTransposeOptions o(w.size(1), nn::Size2{kh, kw});
  o.strides({strides[0], strides[1]}).dilation_rate({dilations[0], dilations[1]}).use_bias(has_input(n, 2))
      .padding("explicit").explicit_padding({nn::Size2{pads[0], pads[2]}, nn::Size2{pads[1], pads[3]}})
      .output_padding(nn::Size2{output_padding[0], output_padding[1]});
  std::map<std::string, Tensor> weights{{"kernel", w}};
  if (has_input(n, 2)) weights["bias"] = const_in(n, 2, "the bias");
  set_symbol(n, add_layer(n, std::make_shared<nn::Conv2DTranspose>(o), {x}, weights));
}

void Importer::pool(const NodeProto& n) {
  require_leading(n.op_type().c_str());
  const SymbolicTensor x = sym_in(n, 0);
  if (n.output_size() > 1 && !n.output(1).empty()) unsupported("the Indices output of MaxPool is not supported");
  const auto kernel = attr_ints(n, "kernel_shape");
  if (kernel.size() != 2 || x.shape().size() != 3) unsupported("only 2-D pooling is supported");
  const auto strides = attr_ints(n, "strides", {1, 1});
  const auto dilations = attr_ints(n, "dilations", {1, 1});
  if (dilations != std::vector<std::int64_t>{1, 1}) unsupported("attribute dilations (only 1 is supported)");
  if (attr_int(n, "storage_order", 0) != 0) unsupported("attribute storage_order=1");
  auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
  const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    const bool upper = auto_pad == "SAME_UPPER";
    const auto ph = same_pads(x.shape()[1], kernel[0], strides[0], 1, upper);
    const auto pw = same_pads(x.shape()[2], kernel[1], strides[1], 1, upper);
    pads = {ph[0], pw[0], ph[1], pw[1]};
  } else if (auto_pad == "VALID") {
    pads = {0, 0, 0, 0};
  } else if (auto_pad != "NOTSET") {
    unsupported("attribute auto_pad=", auto_pad);
  }
  const bool max = n.op_type() == "MaxPool";
  auto layer = std::make_shared<nn::Pooling2D>(max ? kernels::PoolKind::max : kernels::PoolKind::avg,
                                               nn::Size2{kernel[0], kernel[1]}, nn::Size2{strides[0], strides[1]});
  if (std::any_of(pads.begin(), pads.end(), [](auto p) { return p != 0; }))
    layer->explicit_padding({nn::Size2{pads[0], pads[2]}, nn::Size2{pads[1], pads[3]}});
  layer->ceil_mode(attr_int(n, "ceil_mode", 0) != 0).count_include_pad(!max && attr_int(n, "count_include_pad", 0) != 0);
  set_symbol(n, add_layer(n, layer, {x}));
}

void Importer::global_pool(const NodeProto& n) {
  require_leading(n.op_type().c_str());
  const SymbolicTensor x = sym_in(n, 0);
  if (x.shape().size() != 3) unsupported("only 2-D global pooling is supported");
  const bool max = n.op_type() == "GlobalMaxPool";
  set_symbol(n, add_layer(n, std::make_shared<nn::GlobalPooling2D>(max ? kernels::PoolKind::max : kernels::PoolKind::avg, true), {x}));
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
