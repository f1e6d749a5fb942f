#include "strata/interop/keras_layers.h"

#include "strata/nn/layer_config.h"

#include <cctype>
#include <functional>
#include <set>

#include "strata/nn/layers.h"

namespace strata::interop::keras {
namespace {

using Json = nlohmann::json;

// Keras' channels-last axis of an image or volume tensor -> Strata's channels-first axis
// (batch = 0): image H (1) -> 2, W (2) -> 3, C (3) -> 1; volume D, H, W -> 2, 3, 4, C (4) -> 1.
std::int64_t strata_axis(std::int64_t keras_axis, std::size_t example_rank) {
  const auto full = static_cast<std::int64_t>(example_rank) + 1;
  if (keras_axis < 0) keras_axis += full;
  if (example_rank != 3 && example_rank != 4) return keras_axis;
  return keras_axis == static_cast<std::int64_t>(example_rank) ? 1 : keras_axis + 1;
}

// A Keras layer config without its initializers: Keras writes them as objects
// ({"class_name": "Ones", ...}), and an imported layer's weights come from the file anyway.
Json without_initializers(Json c) {
  for (auto it = c.begin(); it != c.end();)
    it = it.key().size() > 12 && it.key().ends_with("_initializer") ? c.erase(it) : std::next(it);
  return c;
}

// Keras' default is "linear" for most layers, "tanh" / "sigmoid" in recurrent ones.
std::string activation_of(const Json& c, const char* key = "activation", const char* keras_default = "linear") {
  const Json a = c.value(key, Json(keras_default));
  STRATA_CHECK(a.is_string(), "activation ", a.dump(), " (only built-in activations given by name)");
  const std::string name = a.get<std::string>();
  return name == "linear" ? "" : name;
}

// A Tensor the builder is following, and (C, H, W) when it is a Flatten of feature maps.
struct Tracked {
  nn::SymbolicTensor tensor;
  Shape flattened_from;
};

class Builder {
 public:
  Builder(const ModelWeights& weights, std::string what) : weights_(weights), what_(std::move(what)) {}
  std::shared_ptr<models::Model> build(const Json& model_config);

 private:
  Tracked layer(const Json& layer, const std::vector<Tracked>& inputs);
  Tracked apply(const std::string& name, const nn::LayerPtr& l, const std::vector<Tracked>& inputs, Shape flattened = {});
  Tracked input_layer(const Json& c, const std::string& name);
  Tracked guarded(const Json& l, const std::vector<Tracked>& in);
  void sequential(const Json& config, std::vector<nn::SymbolicTensor>& inputs, Tracked& last);
  void functional(const Json& config, std::vector<nn::SymbolicTensor>& inputs, std::vector<Tracked>& outputs);

  const ModelWeights& weights_;
  std::string what_;
  std::vector<std::string> problems_;
};

std::string layer_name(const Json& l) {
  const Json& c = l.at("config");
  if (c.contains("name")) return c.at("name").get<std::string>();
  return l.value("name", l.at("class_name").get<std::string>());
}

Tracked Builder::input_layer(const Json& c, const std::string& name) {
  // Keras 2: batch_input_shape; Keras 3: batch_shape (or shape without the batch axis).
  Json dims;
  if (c.contains("batch_shape")) dims = c.at("batch_shape");
  else if (c.contains("batch_input_shape")) dims = c.at("batch_input_shape");
  else if (c.contains("shape")) (dims = c.at("shape")).insert(dims.begin(), Json());
  STRATA_CHECK(dims.is_array() && !dims.empty(), what_, ": input '", name, "' has no shape");
  Shape shape;
  for (std::size_t i = 1; i < dims.size(); ++i) {
    STRATA_CHECK(dims[i].is_number_integer(), what_, ": input '", name,
                 "' has a dimension of unknown size besides the batch axis (Strata models have fixed example shapes)");
    shape.push_back(dims[i].get<std::int64_t>());
  }
  if (shape.size() == 3) shape = {shape[2], shape[0], shape[1]};  // (H, W, C) -> (C, H, W)
  if (shape.size() == 4) shape = {shape[3], shape[0], shape[1], shape[2]};  // (D, H, W, C) -> (C, D, H, W)
  return {nn::Input(shape, name), {}};
}

Tracked Builder::apply(const std::string& name, const nn::LayerPtr& l, const std::vector<Tracked>& inputs, Shape flattened) {
  l->set_name(name);
  std::vector<nn::SymbolicTensor> symbols;
  for (const auto& t : inputs) symbols.push_back(t.tensor);
  nn::SymbolicTensor out = (*l)(symbols);
  const auto it = weights_.find(name);
  std::map<std::string, nn::Weight*> by_name;
  for (nn::Weight* w : l->weights()) by_name[w->name] = w;
  std::set<std::string> loaded;
  if (it != weights_.end()) {
    for (const auto& [wname, value] : it->second) {
      const auto target = by_name.find(wname);
      STRATA_CHECK(target != by_name.end(), "the file has a weight '", wname, "' that a ", l->type(), " does not have");
      Tensor converted = to_strata_layout(wname, value);
      if (wname == "kernel" && converted.dim() == 2 && inputs.size() == 1 && !inputs[0].flattened_from.empty())
        converted = dense_rows_to_channels_first(converted, inputs[0].flattened_from);
      STRATA_CHECK(converted.shape() == target->second->variable.shape(), "weight '", wname, "' has shape ",
                   shape_str(value.shape()), " in the file; the config makes it ",
                   shape_str(target->second->variable.shape()), " (channels-first)");
      target->second->variable.mutable_value().copy_(converted);
      loaded.insert(wname);
    }
  }
  std::vector<std::string> missing;
  for (const auto& [wname, w] : by_name)
    if (!loaded.count(wname)) missing.push_back(wname);
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw Error("the file has no value for weight(s) " + list);
  }
  return {out, std::move(flattened)};
}

// A per-axis size of a Keras config (kernel_size, strides, ...): one integer, or a list of one
// value (every axis) or of Rank; `fallback` when absent or null.
template <std::size_t Rank>
std::array<std::int64_t, Rank> sizes(const Json& c, const char* key, std::array<std::int64_t, Rank> fallback) {
  if (!c.contains(key) || c.at(key).is_null()) return fallback;
  std::array<std::int64_t, Rank> out{};
  if (c.at(key).is_number()) {
    out.fill(c.at(key).get<std::int64_t>());
    return out;
  }
  const auto v = c.at(key).get<std::vector<std::int64_t>>();
  STRATA_CHECK(v.size() == 1 || v.size() == Rank, key, " has ", v.size(), " values; a layer of ", Rank,
               " spatial axes takes 1 or ", Rank);
  if (v.size() == 1) out.fill(v[0]);
  else std::copy(v.begin(), v.end(), out.begin());
  return out;
}
template <std::size_t Rank>
std::array<std::int64_t, Rank> sizes(const Json& c, const char* key, std::int64_t fallback) {
  std::array<std::int64_t, Rank> all{};
  all.fill(fallback);
  return sizes<Rank>(c, key, all);
}

nn::RecurrentOptions recurrent_options(const Json& c) {
  STRATA_CHECK(!c.value("return_state", false), "return_state (a layer with several outputs)");
  STRATA_CHECK(!c.value("stateful", false), "stateful recurrent layers");
  nn::RecurrentOptions o(c.at("units").get<std::int64_t>());
  o.activation(activation_of(c, "activation", "tanh"))
      .recurrent_activation(activation_of(c, "recurrent_activation", "sigmoid"))
      .use_bias(c.value("use_bias", true))
      .unit_forget_bias(c.value("unit_forget_bias", true))
      .dropout(c.value("dropout", 0.0))
      .recurrent_dropout(c.value("recurrent_dropout", 0.0))
      .return_sequences(c.value("return_sequences", false))
      .go_backwards(c.value("go_backwards", false))
      .reset_after(c.value("reset_after", true));
  if (o.activation_.empty()) o.activation("linear");
  return o;
}

Tracked Builder::layer(const Json& layer, const std::vector<Tracked>& in) {
  const std::string type = layer.at("class_name");
  const Json& c = layer.at("config");
  const std::string name = layer_name(layer);
  if (c.value("data_format", std::string("channels_last")) != "channels_last")
    throw Error("data_format " + c.at("data_format").get<std::string>() + " (only channels_last, Keras' default)");
  STRATA_CHECK(!in.empty(), "the layer has no input");
  const Shape in_shape = in[0].tensor.shape();
  if (type == "Conv2D" || type == "SeparableConv2D" || type == "DepthwiseConv2D") {
    nn::Conv2DOptions o(c.value("filters", std::int64_t{0}), sizes<2>(c, "kernel_size", 3));
    o.strides(sizes<2>(c, "strides", 1)).padding(c.value("padding", std::string("valid")))
        .dilation_rate(sizes<2>(c, "dilation_rate", 1)).groups(c.value("groups", std::int64_t{1}))
        .activation(activation_of(c)).use_bias(c.value("use_bias", true))
        .depth_multiplier(c.value("depth_multiplier", std::int64_t{1}));
    const auto kind = type == "Conv2D" ? nn::Conv2D::Kind::standard
                      : type == "SeparableConv2D" ? nn::Conv2D::Kind::separable : nn::Conv2D::Kind::depthwise;
    return apply(name, std::make_shared<nn::Conv2D>(o, kind), in);
  }
  if (type == "Conv2DTranspose") {
    nn::Conv2DTransposeOptions o(c.value("filters", std::int64_t{0}), sizes<2>(c, "kernel_size", 3));
    o.strides(sizes<2>(c, "strides", 1)).padding(c.value("padding", std::string("valid")))
        .dilation_rate(sizes<2>(c, "dilation_rate", 1)).activation(activation_of(c)).use_bias(c.value("use_bias", true));
    if (nn::config::given(c, "output_padding")) o.output_padding(sizes<2>(c, "output_padding", 0));
    return apply(name, std::make_shared<nn::Conv2DTranspose>(o), in);
  }
  // Sequences keep Keras' (steps, channels) layout, what recurrent and Dense layers read: a 1-D
  // convolution or pooling runs channels-first between two permutes. Volumes are (C, D, H, W)
  // from the input on, as images are (C, H, W).
  const auto sequence_layer = [&](const nn::LayerPtr& l, bool permute_back) {
    STRATA_CHECK(in_shape.size() == 2, type, " on input of shape ", shape_str(in_shape), " (expects (steps, channels))");
    const auto swap = [] { return std::make_shared<nn::Permute>(std::vector<std::int64_t>{2, 1}); };
    const Tracked x = apply(name + "_channels_first", swap(), in);
    const Tracked y = apply(name, l, {x});
    return permute_back ? apply(name + "_steps_first", swap(), {y}) : y;
  };
  const auto volume_layer = [&](const nn::LayerPtr& l) {
    STRATA_CHECK(in_shape.size() == 4, type, " on input of shape ", shape_str(in_shape), " (expects a volume)");
    return apply(name, l, in);
  };
  if (type == "Conv1D" || type == "SeparableConv1D" || type == "DepthwiseConv1D") {
    nn::Conv1DOptions o(c.value("filters", std::int64_t{0}), sizes<1>(c, "kernel_size", 3));
    o.strides(sizes<1>(c, "strides", 1)).padding(c.value("padding", std::string("valid")))
        .dilation_rate(sizes<1>(c, "dilation_rate", 1)).groups(c.value("groups", std::int64_t{1}))
        .activation(activation_of(c)).use_bias(c.value("use_bias", true))
        .depth_multiplier(c.value("depth_multiplier", std::int64_t{1}));
    const auto kind = type == "Conv1D" ? nn::Conv1D::Kind::standard
                      : type == "SeparableConv1D" ? nn::Conv1D::Kind::separable : nn::Conv1D::Kind::depthwise;
    return sequence_layer(std::make_shared<nn::Conv1D>(o, kind), true);
  }
  if (type == "Conv3D") {
    nn::Conv3DOptions o(c.value("filters", std::int64_t{0}), sizes<3>(c, "kernel_size", 3));
    o.strides(sizes<3>(c, "strides", 1)).padding(c.value("padding", std::string("valid")))
        .dilation_rate(sizes<3>(c, "dilation_rate", 1)).groups(c.value("groups", std::int64_t{1}))
        .activation(activation_of(c)).use_bias(c.value("use_bias", true));
    return volume_layer(std::make_shared<nn::Conv3D>(o));
  }
  if (type == "Conv1DTranspose" || type == "Conv3DTranspose") {
    const bool seq = type == "Conv1DTranspose";
    const auto transpose = [&]<std::size_t Rank>() -> nn::LayerPtr {
      nn::ConvTransposeOptions<Rank> o(c.value("filters", std::int64_t{0}), sizes<Rank>(c, "kernel_size", 3));
      o.strides(sizes<Rank>(c, "strides", 1)).padding(c.value("padding", std::string("valid")))
          .dilation_rate(sizes<Rank>(c, "dilation_rate", 1)).activation(activation_of(c)).use_bias(c.value("use_bias", true));
      if (nn::config::given(c, "output_padding")) o.output_padding(sizes<Rank>(c, "output_padding", 0));
      return std::make_shared<nn::ConvolutionTranspose<Rank>>(o);
    };
    return seq ? sequence_layer(transpose.operator()<1>(), true) : volume_layer(transpose.operator()<3>());
  }
  if (type == "MaxPooling1D" || type == "AveragePooling1D" || type == "MaxPooling3D" || type == "AveragePooling3D") {
    const auto kind = type.rfind("Max", 0) == 0 ? kernels::PoolKind::max : kernels::PoolKind::avg;
    const std::string padding = c.value("padding", std::string("valid"));
    if (type.ends_with("1D")) {
      const auto pool = sizes<1>(c, "pool_size", 2);
      return sequence_layer(std::make_shared<nn::Pooling1D>(kind, pool, sizes<1>(c, "strides", pool), padding), true);
    }
    const auto pool = sizes<3>(c, "pool_size", 2);
    return volume_layer(std::make_shared<nn::Pooling3D>(kind, pool, sizes<3>(c, "strides", pool), padding));
  }
  if (type == "GlobalAveragePooling1D" || type == "GlobalMaxPooling1D" || type == "GlobalAveragePooling3D" ||
      type == "GlobalMaxPooling3D") {
    const auto kind = type.rfind("GlobalMax", 0) == 0 ? kernels::PoolKind::max : kernels::PoolKind::avg;
    STRATA_CHECK(!c.value("keepdims", false) || type.ends_with("3D"), "keepdims on a sequence (the pooled axis would move)");
    if (type.ends_with("1D")) return sequence_layer(std::make_shared<nn::GlobalPooling1D>(kind, false), false);
    return volume_layer(std::make_shared<nn::GlobalPooling3D>(kind, c.value("keepdims", false)));
  }
  if (type.rfind("UpSampling", 0) == 0 || type.rfind("Cropping", 0) == 0 || type.rfind("SpatialDropout", 0) == 0 ||
      type == "ZeroPadding1D" || type == "ZeroPadding3D") {
    const char rank = type.back() == 'D' ? type[type.size() - 2] : '0';
    const auto make = [&]<std::size_t Rank>() -> nn::LayerPtr {
      if (type.rfind("UpSampling", 0) == 0)
        return std::make_shared<nn::UpSampling<Rank>>(sizes<Rank>(c, "size", 2), c.value("interpolation", std::string("nearest")));
      if (type.rfind("SpatialDropout", 0) == 0) return std::make_shared<nn::SpatialDropout<Rank>>(c.at("rate").get<double>());
      // Padding / cropping: one integer, (begin, end) for 1-D, or one integer or pair per axis.
      const bool pad = type.rfind("ZeroPadding", 0) == 0;
      const Json& p = c.at(pad ? "padding" : "cropping");
      std::array<std::array<std::int64_t, 2>, Rank> amounts{};
      for (std::size_t i = 0; i < Rank; ++i) {
        const Json& axis = p.is_number() ? p : Rank == 1 ? p : p.at(i);
        amounts[i] = axis.is_number() ? std::array<std::int64_t, 2>{axis.get<std::int64_t>(), axis.get<std::int64_t>()}
                                      : axis.get<std::array<std::int64_t, 2>>();
      }
      if (pad) return std::make_shared<nn::ZeroPadding<Rank>>(amounts);
      return std::make_shared<nn::Cropping<Rank>>(amounts);
    };
    if (rank == '1') return sequence_layer(make.operator()<1>(), true);
    if (rank == '3') return volume_layer(make.operator()<3>());
    STRATA_CHECK(rank == '2' && in_shape.size() == 3, type, " on input of shape ", shape_str(in_shape), " (expects an image)");
    return apply(name, make.operator()<2>(), in);
  }
  if (type == "BatchNormalization") {
    const auto axis = c.value("axis", Json(-1));
    const std::int64_t a = axis.is_array() ? axis.at(0).get<std::int64_t>() : axis.get<std::int64_t>();
    STRATA_CHECK(strata_axis(a, in_shape.size()) == 1, "axis ", a, " (only the channel/feature axis is supported)");
    nn::BatchNormalizationOptions o;
    nn::config::read_fields(without_initializers(c), o);  // Keras' names and defaults are Strata's
    return apply(name, std::make_shared<nn::BatchNormalization>(o), in);
  }
  if (type == "LayerNormalization" || type == "UnitNormalization") {
    std::vector<std::int64_t> axes;
    for (auto a : nn::config::axes(c, "axis", {-1})) axes.push_back(strata_axis(a, in_shape.size()));
    // Strata's image layout is channels-first: several axes of an image would reorder gamma.
    STRATA_CHECK(axes.size() == 1 || in_shape.size() != 3, "axis ", c.at("axis").dump(),
                 " (several axes of an image: only one axis, or any axes of a non-image input)");
    if (type == "UnitNormalization") return apply(name, std::make_shared<nn::UnitNormalization>(axes), in);
    STRATA_CHECK(!c.value("rms_scaling", false), "rms_scaling");
    nn::LayerNormalizationOptions o;
    nn::config::read_fields(without_initializers(c), o);  // Keras' names and defaults are Strata's
    return apply(name, std::make_shared<nn::LayerNormalization>(o.axis(axes)), in);
  }
  if (type == "GroupNormalization") {
    nn::GroupNormalizationOptions o;
    nn::config::read_fields(without_initializers(c), o);
    return apply(name, std::make_shared<nn::GroupNormalization>(o.axis(strata_axis(c.value("axis", std::int64_t{-1}), in_shape.size()))), in);
  }
  if (type == "Activation") return apply(name, std::make_shared<nn::Activation>(activation_of(c)), in, in[0].flattened_from);
  if (type == "ReLU") {
    STRATA_CHECK(c.value("threshold", 0.0) == 0.0, "a ReLU threshold other than 0");
    return apply(name, std::make_shared<nn::ReLU>(nn::config::get(c, "max_value", nn::ReLU::no_max_value), nn::config::get(c, "negative_slope", 0.0)), in);
  }
  if (type == "LeakyReLU")  // Keras 2 calls the slope alpha, Keras 3 negative_slope
    return apply(name, std::make_shared<nn::LeakyReLU>(c.value("negative_slope", c.value("alpha", 0.3))), in);
  if (type == "ELU") return apply(name, std::make_shared<nn::ELU>(c.value("alpha", 1.0)), in);
  if (type == "Softmax") {
    const Json axis = c.value("axis", Json(-1));
    const std::int64_t a = axis.is_array() ? axis.at(0).get<std::int64_t>() : axis.get<std::int64_t>();
    return apply(name, std::make_shared<nn::Softmax>(strata_axis(a, in_shape.size())), in);
  }
  if (type == "MaxPooling2D" || type == "AveragePooling2D") {
    const nn::Size2 pool = sizes<2>(c, "pool_size", 2);
    return apply(name, std::make_shared<nn::Pooling2D>(type == "MaxPooling2D" ? kernels::PoolKind::max : kernels::PoolKind::avg,
                                                       pool, sizes<2>(c, "strides", pool), c.value("padding", std::string("valid"))),
                 in);
  }
  if (type == "GlobalAveragePooling2D" || type == "GlobalMaxPooling2D")
    return apply(name, std::make_shared<nn::GlobalPooling2D>(type == "GlobalMaxPooling2D" ? kernels::PoolKind::max : kernels::PoolKind::avg,
                                                             c.value("keepdims", false)),
                 in);
  if (type == "Dense") {
    STRATA_CHECK(in_shape.size() == 1, "a Dense layer on input of shape ", shape_str(in_shape), " (Strata's Dense reads flat features)");
    return apply(name, std::make_shared<nn::Dense>(nn::DenseOptions(c.at("units")).activation(activation_of(c)).use_bias(c.value("use_bias", true))), in);
  }
  if (type == "Dropout") return apply(name, std::make_shared<nn::Dropout>(c.value("rate", 0.5)), in, in[0].flattened_from);
  if (type == "Flatten") {
    // A Dense after it would read the features in another order (Keras flattens channels last).
    STRATA_CHECK(in_shape.size() != 4, "a Flatten of a volume (a global pooling layer imports)");
    return apply(name, std::make_shared<nn::Flatten>(), in, in_shape.size() == 3 ? in_shape : Shape{});
  }
  if (type == "Reshape") {
    const Shape target = c.at("target_shape").get<Shape>();
    nn::SymbolicTensor x = in[0].tensor;
    if (in_shape.size() == 3)  // to Keras' (H, W, C) order first
      x = apply(name + "_to_channels_last", std::make_shared<nn::Permute>(std::vector<std::int64_t>{2, 3, 1}), {{x, {}}}).tensor;
    else
      STRATA_CHECK(in[0].flattened_from.empty(), "a Reshape of flattened feature maps");
    if (target.size() != 3) return apply(name, std::make_shared<nn::Reshape>(target), {{x, {}}});
    x = apply(name + "_channels_last", std::make_shared<nn::Reshape>(target), {{x, {}}}).tensor;
    return apply(name, std::make_shared<nn::Permute>(std::vector<std::int64_t>{3, 1, 2}), {{x, {}}});
  }
  if (type == "Add") return apply(name, std::make_shared<nn::Add>(), in);
  if (type == "Multiply") return apply(name, std::make_shared<nn::Multiply>(), in);
  if (type == "Concatenate") return apply(name, std::make_shared<nn::Concatenate>(strata_axis(c.value("axis", std::int64_t{-1}), in_shape.size())), in);
  if (type == "ZeroPadding2D") {
    const Json p = c.at("padding");
    std::array<nn::Size2, 2> pads{};
    if (p.is_number()) pads = {nn::Size2{p.get<std::int64_t>(), p.get<std::int64_t>()}, nn::Size2{p.get<std::int64_t>(), p.get<std::int64_t>()}};
    else if (p.at(0).is_number()) pads = {nn::Size2{p[0], p[0]}, nn::Size2{p[1], p[1]}};
    else pads = {nn::Size2{p[0][0], p[0][1]}, nn::Size2{p[1][0], p[1][1]}};
    return apply(name, std::make_shared<nn::ZeroPadding2D>(pads), in);
  }
  if (type == "Embedding")
    return apply(name, std::make_shared<nn::Embedding>(c.at("input_dim").get<std::int64_t>(), c.at("output_dim").get<std::int64_t>(),
                                                       c.value("mask_zero", false)),
                 in);
  if (type == "Masking") return apply(name, std::make_shared<nn::Masking>(c.value("mask_value", 0.0)), in);
  if (type == "SimpleRNN" || type == "LSTM" || type == "GRU") {
    const auto cell = type == "LSTM" ? ops::RnnCell::lstm : type == "GRU" ? ops::RnnCell::gru : ops::RnnCell::simple;
    return apply(name, std::make_shared<nn::Recurrent>(cell, recurrent_options(c)), in);
  }
  if (type == "PReLU") {
    std::vector<std::int64_t> shared;
    const Json axes = c.value("shared_axes", Json());
    if (!axes.is_null())
      for (const Json& a : axes.is_array() ? axes : Json::array({axes})) shared.push_back(strata_axis(a.get<std::int64_t>(), in_shape.size()));
    return apply(name, std::make_shared<nn::PReLU>(shared), in);
  }
  if (type == "Bidirectional") {
    const Json& inner = c.at("layer");
    const std::string inner_type = inner.at("class_name");
    STRATA_CHECK(inner_type == "SimpleRNN" || inner_type == "LSTM" || inner_type == "GRU", "a Bidirectional around ", inner_type);
    STRATA_CHECK(c.contains("merge_mode") && c.at("merge_mode").is_string(), "merge_mode None (a layer with two outputs)");
    // Strata's Bidirectional mirrors the forward layer; a different backward layer is refused.
    if (c.contains("backward_layer") && !c.at("backward_layer").is_null()) {
      const Json& back = c.at("backward_layer");
      STRATA_CHECK(back.at("class_name") == inner_type, "a backward ", back.at("class_name").get<std::string>(),
                   " beside a forward ", inner_type);
      for (const char* key : {"units", "activation", "recurrent_activation", "use_bias", "return_sequences", "reset_after",
                              "unit_forget_bias", "dropout", "recurrent_dropout"})
        STRATA_CHECK(back.at("config").value(key, Json()) == inner.at("config").value(key, Json()), "a backward layer whose ",
                     key, " differs from the forward layer's (Strata mirrors the forward layer)");
    }
    const auto cell = inner_type == "LSTM" ? ops::RnnCell::lstm : inner_type == "GRU" ? ops::RnnCell::gru : ops::RnnCell::simple;
    std::string inner_name = inner.at("config").value("name", std::string("rnn"));
    if (inner_name.rfind("forward_", 0) == 0) inner_name = inner_name.substr(8);  // Keras names it forward_<layer>
    auto rnn = std::make_shared<nn::Recurrent>(cell, recurrent_options(inner.at("config")).name(inner_name));
    return apply(name, std::make_shared<nn::Bidirectional>(rnn, c.at("merge_mode").get<std::string>()), in);
  }
  if (type == "TimeDistributed") {
    const Json& inner = c.at("layer");
    const Json& ic = inner.at("config");
    STRATA_CHECK(inner.at("class_name") == "Dense" && in_shape.size() == 2, "a TimeDistributed ", inner.at("class_name").get<std::string>(),
                 " on input ", shape_str(in_shape), " (only Dense over (time, features))");
    auto dense = std::make_shared<nn::Dense>(nn::DenseOptions(ic.at("units")).activation(activation_of(ic)).use_bias(ic.value("use_bias", true)));
    dense->set_name(ic.value("name", std::string("dense")));
    return apply(name, std::make_shared<nn::TimeDistributed>(dense), in);
  }
  throw Error("layer type " + type + " is not supported");
}

Tracked Builder::guarded(const Json& l, const std::vector<Tracked>& in) {
  const std::string type = l.at("class_name");
  try {
    return layer(l, in);
  } catch (const std::exception& e) {
    problems_.push_back("  layer '" + layer_name(l) + "' (" + type + "): " + e.what());
    return {};
  }
}

void Builder::sequential(const Json& config, std::vector<nn::SymbolicTensor>& inputs, Tracked& last) {
  const Json& layers = config.is_array() ? config : config.at("layers");
  STRATA_CHECK(layers.is_array() && !layers.empty(), what_, ": the Sequential model has no layers");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const Json& l = layers[i];
    if (i == 0) {  // the input shape: an InputLayer's, or the first layer's batch_input_shape
      Json c = l.at("config");
      const bool is_input = l.at("class_name") == "InputLayer";
      if (!is_input && !c.contains("batch_input_shape") && !c.contains("batch_shape") && config.is_object() &&
          config.contains("build_input_shape"))
        c["batch_shape"] = config.at("build_input_shape");  // Keras 3 without an InputLayer
      last = input_layer(c, is_input ? layer_name(l) : layer_name(l) + "_input");  // Keras' name
      inputs.push_back(last.tensor);
      if (is_input) continue;
    }
    if (!last.tensor.defined()) break;
    last = guarded(l, {last});
  }
}

// The (layer, node, tensor) triples a Functional layer reads: Keras 2 writes inbound_nodes as
// [[[name, node, tensor, kwargs], ...]], Keras 3 as [{"args": [...], "kwargs": {...}}] with
// {"class_name": "__keras_tensor__", "config": {"keras_history": [name, node, tensor]}} in args.
std::vector<Json> inbound_tensors(const Json& node) {
  std::vector<Json> out;
  if (node.is_array()) {
    for (const Json& ref : node) out.push_back(ref);
    return out;
  }
  const std::function<void(const Json&)> walk = [&](const Json& v) {
    if (v.is_array()) {
      for (const Json& x : v) walk(x);
    } else if (v.is_object() && v.value("class_name", std::string()) == "__keras_tensor__") {
      out.push_back(v.at("config").at("keras_history"));
    }
  };
  walk(node.at("args"));
  return out;
}

// Keras 3 writes one tensor as [name, 0, 0] and several as [[name, 0, 0], ...].
std::vector<Json> tensor_refs(const Json& refs) {
  if (refs.is_array() && !refs.empty() && refs[0].is_string()) return {refs};
  return refs.get<std::vector<Json>>();
}

void Builder::functional(const Json& config, std::vector<nn::SymbolicTensor>& inputs, std::vector<Tracked>& model_outputs) {
  std::map<std::string, Tracked> outputs;
  for (const Json& l : config.at("layers")) {
    const std::string name = l.value("name", layer_name(l));
    if (l.at("class_name") == "InputLayer") {
      outputs[name] = input_layer(l.at("config"), name);
      inputs.push_back(outputs[name].tensor);
      continue;
    }
    const Json& nodes = l.at("inbound_nodes");
    if (nodes.size() != 1) {
      problems_.push_back("  layer '" + name + "': called " + std::to_string(nodes.size()) + " times (shared layers are not supported)");
      continue;
    }
    std::vector<Tracked> in;
    bool ready = true;
    for (const Json& ref : inbound_tensors(nodes[0])) {
      const auto it = outputs.find(ref.at(0).get<std::string>());
      if (it == outputs.end() || !it->second.tensor.defined() || ref.at(1).get<int>() != 0 || ref.at(2).get<int>() != 0) ready = false;
      else in.push_back(it->second);
    }
    if (!ready) continue;  // an input failed (already reported)
    outputs[name] = guarded(l, in);
  }
  for (const Json& ref : tensor_refs(config.at("output_layers"))) {
    STRATA_CHECK(ref.at(1).get<int>() == 0 && ref.at(2).get<int>() == 0, what_, ": output ", ref.dump(),
                 " is a later output of a layer (return_state); only layers' first outputs import");
    model_outputs.push_back(outputs[ref.at(0).get<std::string>()]);
  }
}

std::shared_ptr<models::Model> Builder::build(const Json& model_config) {
  const std::string cls = model_config.at("class_name");
  const Json& config = model_config.at("config");
  std::vector<nn::SymbolicTensor> inputs;
  std::vector<Tracked> outputs;
  if (cls == "Sequential") sequential(config, inputs, outputs.emplace_back());
  else if (cls == "Model" || cls == "Functional") functional(config, inputs, outputs);
  else throw Error(what_ + ": model class '" + cls + "' is not supported (Sequential, Model/Functional are)");
  if (!problems_.empty()) {
    std::string message = what_ + ": " + std::to_string(problems_.size()) + " layer(s) cannot be imported:";
    for (const auto& p : problems_) message += "\n" + p;
    throw Error(message);
  }
  std::vector<nn::SymbolicTensor> tensors;
  for (const Tracked& o : outputs) tensors.push_back(o.tensor);
  STRATA_CHECK(!tensors.empty() && !inputs.empty(), what_, ": the model has no layers");
  for (const auto& t : tensors) STRATA_CHECK(t.defined(), what_, ": the model has no layers");
  const std::string name = config.is_object() ? config.value("name", std::string("keras_model")) : "keras_model";
  return std::make_shared<models::Model>(inputs, tensors, name);
}

}  // namespace

std::shared_ptr<models::Model> build_model(const Json& model_config, const ModelWeights& weights, const std::string& what) {
  try {
    return Builder(weights, what).build(model_config);
  } catch (const Json::exception& e) {
    throw Error(what + ": the model config is not what Keras writes (" + e.what() + ")");
  }
}

namespace {
bool is_recurrent(const std::string& type) { return type == "SimpleRNN" || type == "LSTM" || type == "GRU"; }

// The names of a layer's own weights (no nesting), in Keras' order.
std::vector<std::string> own_weight_names(const std::string& type, const Json& c) {
  const bool bias = c.is_object() ? c.value("use_bias", true) : true;
  std::vector<std::string> names;
  const std::set<std::string> with_kernel = {"Dense",           "Conv1D",          "Conv2D",         "Conv3D",
                                             "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"};
  if (with_kernel.count(type)) names = {"kernel"};
  else if (type == "DepthwiseConv1D" || type == "DepthwiseConv2D") names = {"depthwise_kernel"};
  else if (type == "SeparableConv1D" || type == "SeparableConv2D") names = {"depthwise_kernel", "pointwise_kernel"};
  else if (is_recurrent(type)) names = {"kernel", "recurrent_kernel"};
  else if (type == "Embedding") return {"embeddings"};
  else if (type == "PReLU") return {"alpha"};
  else if (type == "BatchNormalization" || type == "LayerNormalization" || type == "GroupNormalization") {
    if (c.value("scale", true)) names.push_back("gamma");
    if (c.value("center", true)) names.push_back("beta");
    if (type == "BatchNormalization") names.insert(names.end(), {"moving_mean", "moving_variance"});
    return names;
  } else {
    return {};
  }
  if (bias) names.push_back("bias");
  return names;
}
}  // namespace

std::vector<VarGroup> var_groups(const std::string& type, const Json& c) {
  if (type == "Bidirectional" || type == "TimeDistributed") {
    const Json& inner = c.at("layer");
    const std::string inner_type = inner.at("class_name");
    std::vector<VarGroup> out;
    for (const auto& g : var_groups(inner_type, inner.at("config"))) {
      if (type == "TimeDistributed") {
        out.push_back({"layer/" + g.path, g.names});
        continue;
      }
      for (const std::string direction : {"forward", "backward"}) {
        VarGroup d{direction + "_layer/" + g.path, {}};
        for (const auto& n : g.names) d.names.push_back(direction + "/" + n);
        out.push_back(d);
      }
    }
    return out;
  }
  return {{is_recurrent(type) ? "cell/vars" : "vars", own_weight_names(type, c)}};
}

std::vector<std::string> weight_names(const std::string& type, const Json& c) {
  std::vector<std::string> out;
  for (const auto& g : var_groups(type, c)) out.insert(out.end(), g.names.begin(), g.names.end());
  return out;
}

std::string keras2_weight_path(const std::string& layer, const std::string& type, const Json& c, const std::string& weight) {
  if (type == "Bidirectional") {
    const Json& inner = c.at("layer");
    const auto slash = weight.find('/');
    const std::string direction = weight.substr(0, slash), inner_name = inner.at("config").value("name", std::string("rnn"));
    return layer + "/" + direction + "_" + inner_name + "/" + snake_case(inner.at("class_name")) + "_cell/" + weight.substr(slash + 1) + ":0";
  }
  if (is_recurrent(type)) return layer + "/" + snake_case(type) + "_cell/" + weight + ":0";
  return layer + "/" + weight + ":0";
}

std::string strata_weight_name(const std::string& path) {
  // "<layer>/[<direction>_<inner>/][<cell>/]<weight>:0": the last component names the weight;
  // a Bidirectional's inner component says which direction.
  std::vector<std::string> parts;
  for (std::size_t at = 0;;) {
    const auto slash = path.find('/', at);
    parts.push_back(path.substr(at, slash == std::string::npos ? std::string::npos : slash - at));
    if (slash == std::string::npos) break;
    at = slash + 1;
  }
  std::string name = parts.back().substr(0, parts.back().find(':'));
  for (std::size_t i = 1; i + 1 < parts.size(); ++i) {
    if (parts[i].rfind("forward_", 0) == 0) return "forward/" + name;
    if (parts[i].rfind("backward_", 0) == 0) return "backward/" + name;
  }
  return name;
}

std::string snake_case(const std::string& class_name) {
  std::string s;
  for (char ch : class_name)
    if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_') s += ch;
  std::string a;  // "_" before an upper-case letter that starts a word ("BatchNormalization")
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && std::isupper(static_cast<unsigned char>(s[i])) && i + 1 < s.size() &&
        std::islower(static_cast<unsigned char>(s[i + 1])))
      a += '_';
    a += s[i];
  }
  std::string b;  // and between a lower-case and an upper-case letter ("ReLU" -> "Re_LU")
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (i > 0 && std::islower(static_cast<unsigned char>(a[i - 1])) && std::isupper(static_cast<unsigned char>(a[i]))) b += '_';
    b += static_cast<char>(std::tolower(static_cast<unsigned char>(a[i])));
  }
  return b;
}

std::vector<std::string> weight_paths(const std::vector<std::string>& class_names) {
  std::map<std::string, int> used;
  std::vector<std::string> out;
  for (const auto& cls : class_names) {
    const std::string base = snake_case(cls);
    const auto it = used.find(base);
    if (it == used.end()) {
      used[base] = 0;
      out.push_back("layers/" + base);
    } else {
      out.push_back("layers/" + base + "_" + std::to_string(++it->second));
    }
  }
  return out;
}

void apply_weights(const WeightPlan& plan, const std::vector<std::string>& problems, const std::string& what,
                   const std::string& file) {
  if (!problems.empty()) {
    std::string message = what + ": '" + file + "' does not fit the model:";
    for (const auto& p : problems) message += "\n" + p;
    throw Error(message);
  }
  for (const auto& [w, t] : plan) w->variable.mutable_value().copy_(t);
}

namespace {
// Keras' convolution kernels put the spatial axes first: (*k, a, b) <-> Strata's (b, a, *k),
// for kernels of 1 to 3 spatial axes (rank 3 to 5).
std::vector<std::int64_t> keras_to_strata_axes(std::int64_t rank) {
  std::vector<std::int64_t> axes{rank - 1, rank - 2};
  for (std::int64_t a = 0; a < rank - 2; ++a) axes.push_back(a);
  return axes;
}
std::vector<std::int64_t> strata_to_keras_axes(std::int64_t rank) {
  std::vector<std::int64_t> axes;
  for (std::int64_t a = 2; a < rank; ++a) axes.push_back(a);
  axes.insert(axes.end(), {1, 0});
  return axes;
}
bool is_conv_kernel(const Tensor& w) { return w.dim() >= 3 && w.dim() <= 5; }
}  // namespace

Tensor to_strata_layout(const std::string& name, const Tensor& w) {
  if (name == "alpha" && w.dim() == 3) return w.permute({2, 0, 1}).contiguous();  // PReLU (H, W, C) -> (C, H, W)
  if ((name == "kernel" || name == "pointwise_kernel") && is_conv_kernel(w))  // (*k, in, out) -> (out, in, *k)
    return w.permute(keras_to_strata_axes(w.dim())).contiguous();
  if (name == "depthwise_kernel" && is_conv_kernel(w)) {  // (*k, in, mult) -> (in*mult, 1, *k)
    Shape merged(w.shape().begin(), w.shape().end() - 2);
    merged.push_back(w.size(-2) * w.size(-1));
    std::vector<std::int64_t> channel_first{w.dim() - 2};  // (*k, in*mult) -> (in*mult, *k)
    for (std::int64_t a = 0; a < w.dim() - 2; ++a) channel_first.push_back(a);
    return w.reshape(merged).permute(channel_first).contiguous().unsqueeze(1).contiguous();
  }
  return w;
}

Tensor to_keras_layout(const std::string& name, const Tensor& w, std::int64_t depth_multiplier) {
  if (name == "alpha" && w.dim() == 3) return w.permute({1, 2, 0}).contiguous();
  if ((name == "kernel" || name == "pointwise_kernel") && is_conv_kernel(w))
    return w.permute(strata_to_keras_axes(w.dim())).contiguous();
  if (name == "depthwise_kernel" && is_conv_kernel(w)) {  // (in*mult, 1, *k) -> (*k, in, mult)
    Shape spatial(w.shape().begin() + 2, w.shape().end());
    Shape squeezed{w.size(0)};
    squeezed.insert(squeezed.end(), spatial.begin(), spatial.end());
    std::vector<std::int64_t> channel_last;
    for (std::int64_t a = 1; a <= static_cast<std::int64_t>(spatial.size()); ++a) channel_last.push_back(a);
    channel_last.push_back(0);
    Shape keras = spatial;
    keras.insert(keras.end(), {w.size(0) / depth_multiplier, depth_multiplier});
    return w.reshape(squeezed).permute(channel_last).contiguous().reshape(keras);
  }
  return w;
}

Tensor dense_rows_to_channels_first(const Tensor& kernel, const Shape& chw) {
  return kernel.reshape({chw[1], chw[2], chw[0], kernel.size(1)}).permute({2, 0, 1, 3}).contiguous()
      .reshape({shape_numel(chw), kernel.size(1)});
}

Tensor dense_rows_to_channels_last(const Tensor& kernel, const Shape& chw) {
  return kernel.reshape({chw[0], chw[1], chw[2], kernel.size(1)}).permute({1, 2, 0, 3}).contiguous()
      .reshape({shape_numel(chw), kernel.size(1)});
}

Shape flattened_input_of(const models::Model& model, const std::string& name) {
  for (const auto& node : model.graph_nodes()) {
    if (node->layer->name() != name || node->inputs.size() != 1) continue;
    auto in = node->inputs[0];
    while ((nn::is<nn::Dropout>(in->layer) || nn::is<nn::Activation>(in->layer)) && in->inputs.size() == 1) in = in->inputs[0];
    if (nn::is<nn::Flatten>(in->layer) && in->inputs.size() == 1 && in->inputs[0]->shape.size() == 3) return in->inputs[0]->shape;
  }
  return {};
}

}  // namespace strata::interop::keras
