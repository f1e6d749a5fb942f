// layer_from_config: rebuilds any built-in layer from its config() (models register
// themselves in models/, which depends on this folder, not the other way round).
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "strata/nn/conv_layers.h"
#include "strata/nn/recurrent_layers.h"
#include "strata/nn/tensor_layers.h"
#include "strata/nn/registry.h"

namespace strata::nn {
namespace {

using Json = nlohmann::json;
using Factory = std::function<LayerPtr(const Json&)>;

std::string name_of(const Json& c) { return c.value("name", std::string()); }

LayerPtr pooling_from_config(kernels::PoolKind kind, const Json& c) {
  const std::string padding = c.value("padding", std::string("valid"));
  auto layer = std::make_shared<Pooling2D>(kind, c.at("pool_size").get<Size2>(), c.value("strides", Size2{0, 0}),
                                           padding == "explicit" ? "valid" : padding, name_of(c));
  if (padding == "explicit") layer->explicit_padding(c.at("explicit_padding").get<std::array<Size2, 2>>());
  layer->ceil_mode(c.value("ceil_mode", false)).count_include_pad(c.value("count_include_pad", false));
  return layer;
}

std::map<std::string, Factory>& factories() {
  static std::map<std::string, Factory> table = {
      {"InputLayer", [](const Json& c) { return std::make_shared<InputLayer>(c.at("shape").get<Shape>(), name_of(c)); }},
      {"Dense",
       [](const Json& c) {
         DenseOptions o(c.at("units").get<std::int64_t>());
         o.activation(c.value("activation", std::string()))
             .use_bias(c.value("use_bias", true))
             .kernel_initializer(c.value("kernel_initializer", std::string("glorot_uniform")))
             .bias_initializer(c.value("bias_initializer", std::string("zeros")))
             .kernel_regularizer(Regularizer::from_config(c.value("kernel_regularizer", Json())))
             .bias_regularizer(Regularizer::from_config(c.value("bias_regularizer", Json())))
             .name(name_of(c));
         const Json constraint = c.value("kernel_constraint", Json());
         if (!constraint.is_null()) o.kernel_constraint(MaxNorm{constraint.at("max_value").get<double>()});
         return std::make_shared<Dense>(o);
       }},
      {"Conv2D", [](const Json& c) { return std::make_shared<Conv2D>(Conv2DOptions::from_config(c)); }},
      {"Embedding",
       [](const Json& c) {
         return std::make_shared<Embedding>(c.at("input_dim").get<std::int64_t>(), c.at("output_dim").get<std::int64_t>(),
                                            c.value("mask_zero", false),
                                            c.value("embeddings_initializer", std::string("uniform")), name_of(c));
       }},
      {"Masking", [](const Json& c) { return std::make_shared<Masking>(c.value("mask_value", 0.0), name_of(c)); }},
      {"SimpleRNN", [](const Json& c) { return std::make_shared<Recurrent>(ops::RnnCell::simple, RecurrentOptions::from_config(c)); }},
      {"LSTM", [](const Json& c) { return std::make_shared<Recurrent>(ops::RnnCell::lstm, RecurrentOptions::from_config(c)); }},
      {"GRU", [](const Json& c) { return std::make_shared<Recurrent>(ops::RnnCell::gru, RecurrentOptions::from_config(c)); }},
      {"Bidirectional",
       [](const Json& c) {
         auto inner = std::dynamic_pointer_cast<Recurrent>(layer_from_config(c.at("layer")));
         STRATA_CHECK(inner, "Bidirectional: the wrapped layer must be SimpleRNN, LSTM or GRU");
         return std::make_shared<Bidirectional>(inner, c.value("merge_mode", std::string("concat")), name_of(c));
       }},
      {"TimeDistributed",
       [](const Json& c) { return std::make_shared<TimeDistributed>(layer_from_config(c.at("layer")), name_of(c)); }},
      {"DepthwiseConv2D",
       [](const Json& c) { return std::make_shared<Conv2D>(Conv2DOptions::from_config(c), Conv2D::Kind::depthwise); }},
      {"SeparableConv2D",
       [](const Json& c) { return std::make_shared<Conv2D>(Conv2DOptions::from_config(c), Conv2D::Kind::separable); }},
      {"MaxPooling2D", [](const Json& c) { return pooling_from_config(kernels::PoolKind::max, c); }},
      {"AveragePooling2D", [](const Json& c) { return pooling_from_config(kernels::PoolKind::avg, c); }},
      {"GlobalAveragePooling2D",
       [](const Json& c) {
         return std::make_shared<GlobalPooling2D>(kernels::PoolKind::avg, c.value("keepdims", false), name_of(c));
       }},
      {"GlobalMaxPooling2D",
       [](const Json& c) {
         return std::make_shared<GlobalPooling2D>(kernels::PoolKind::max, c.value("keepdims", false), name_of(c));
       }},
      {"ZeroPadding2D",
       [](const Json& c) {
         return std::make_shared<ZeroPadding2D>(c.at("padding").get<std::array<Size2, 2>>(), name_of(c));
       }},
      {"BatchNormalization",
       [](const Json& c) {
         BatchNormalizationOptions o;
         o.momentum(c.value("momentum", 0.99))
             .epsilon(c.value("epsilon", 1e-3))
             .center(c.value("center", true))
             .scale(c.value("scale", true))
             .name(name_of(c));
         return std::make_shared<BatchNormalization>(o);
       }},
      {"Flatten", [](const Json& c) { return std::make_shared<Flatten>(name_of(c)); }},
      {"Reshape", [](const Json& c) { return std::make_shared<Reshape>(c.at("target_shape").get<Shape>(), name_of(c)); }},
      {"Dropout", [](const Json& c) { return std::make_shared<Dropout>(c.at("rate").get<double>(), name_of(c)); }},
      {"Activation",
       [](const Json& c) { return std::make_shared<Activation>(c.at("activation").get<std::string>(), name_of(c)); }},
      {"ReLU",
       [](const Json& c) {
         const Json max_value = c.value("max_value", Json());
         return std::make_shared<ReLU>(max_value.is_null() ? 0.0 : max_value.get<double>(),
                                       c.value("negative_slope", 0.0), name_of(c));
       }},
      {"LeakyReLU", [](const Json& c) { return std::make_shared<LeakyReLU>(c.value("negative_slope", 0.3), name_of(c)); }},
      {"ELU", [](const Json& c) { return std::make_shared<ELU>(c.value("alpha", 1.0), name_of(c)); }},
      {"PReLU",
       [](const Json& c) {
         return std::make_shared<PReLU>(c.value("shared_axes", std::vector<std::int64_t>{}),
                                        c.value("alpha_initializer", std::string("zeros")), name_of(c));
       }},
      {"Softmax",
       [](const Json& c) {
         auto layer = std::make_shared<Softmax>(c.value("axis", std::int64_t{-1}), name_of(c));
         layer->log(c.value("log", false));
         return layer;
       }},
      {"Permute", [](const Json& c) { return std::make_shared<Permute>(c.at("dims").get<std::vector<std::int64_t>>(), name_of(c)); }},
      {"Arithmetic", [](const Json& c) { return std::make_shared<Arithmetic>(c.at("op").get<std::string>(), name_of(c)); }},
      {"ConstantArithmetic",
       [](const Json& c) {
         return std::make_shared<ConstantArithmetic>(c.at("op").get<std::string>(), c.at("constant_shape").get<Shape>(),
                                                     c.value("constant_first", false), name_of(c));
       }},
      {"Clip",
       [](const Json& c) {
         return std::make_shared<Clip>(c.at("min_value").get<double>(), c.at("max_value").get<double>(), name_of(c));
       }},
      {"ParametricActivation",
       [](const Json& c) {
         return std::make_shared<ParametricActivation>(c.at("function").get<std::string>(), c.at("alpha").get<double>(),
                                                       c.at("beta").get<double>(), name_of(c));
       }},
      {"MatMul", [](const Json& c) { return std::make_shared<MatMul>(name_of(c)); }},
      {"Pad",
       [](const Json& c) {
         return std::make_shared<Pad>(c.at("pads").get<std::vector<std::array<std::int64_t, 2>>>(),
                                      c.value("mode", std::string("constant")), c.value("value", 0.0), name_of(c));
       }},
      {"Reduce",
       [](const Json& c) {
         return std::make_shared<Reduce>(c.at("op").get<std::string>(), c.at("axes").get<std::vector<std::int64_t>>(),
                                         c.value("keepdims", false), name_of(c));
       }},
      {"Slice",
       [](const Json& c) {
         using V = std::vector<std::int64_t>;
         return std::make_shared<Slice>(c.at("axes").get<V>(), c.at("starts").get<V>(), c.at("ends").get<V>(),
                                        c.at("steps").get<V>(), name_of(c));
       }},
      {"Gather",
       [](const Json& c) {
         return std::make_shared<Gather>(c.at("axis").get<std::int64_t>(), c.at("indices").get<std::vector<std::int64_t>>(),
                                         c.at("indices_shape").get<Shape>(), name_of(c));
       }},
      {"Resize",
       [](const Json& c) {
         ResizeOptions o;
         o.scales(c.value("scales", std::vector<double>{}))
             .sizes(c.value("sizes", Shape{}))
             .mode(c.value("mode", std::string("nearest")))
             .coordinate_transformation_mode(c.value("coordinate_transformation_mode", std::string("half_pixel")))
             .nearest_mode(c.value("nearest_mode", std::string("round_prefer_floor")))
             .name(name_of(c));
         return std::make_shared<Resize>(o);
       }},
      {"Add", [](const Json& c) { return std::make_shared<Add>(name_of(c)); }},
      {"Multiply", [](const Json& c) { return std::make_shared<Multiply>(name_of(c)); }},
      {"Concatenate",
       [](const Json& c) { return std::make_shared<Concatenate>(c.value("axis", std::int64_t{1}), name_of(c)); }},
  };
  return table;
}

// nlohmann converts 2.5 to the integer 2 without a word. Every layer writes
// back what it read, so a value the layer kept as an integer other than the number given was
// truncated: returns the first such key ("units", "kernel_size[1]"), or "".
std::string truncated_number(const Json& given, const Json& kept, const std::string& key) {
  if (given.is_object() && kept.is_object()) {
    for (const auto& [k, v] : given.items())
      if (kept.contains(k))
        if (auto bad = truncated_number(v, kept[k], key.empty() ? k : key + "." + k); !bad.empty()) return bad;
  } else if (given.is_array() && kept.is_array() && given.size() == kept.size()) {
    for (std::size_t i = 0; i < given.size(); ++i)
      if (auto bad = truncated_number(given[i], kept[i], key + "[" + std::to_string(i) + "]"); !bad.empty()) return bad;
  } else if (kept.is_number_integer() && given.is_number_float() && given.get<double>() != kept.get<double>()) {
    return key + " = " + given.dump();
  }
  return "";
}

bool is_int64(const Json& v) {
  if (!v.is_number_float()) return true;
  const double d = v.get<double>();
  return std::isfinite(d) && d >= -9.2e18 && d <= 9.2e18;  // fractions are caught by truncated_number
}

}  // namespace

void check_integer_fields(const Json& config, const std::string& type) {
  static const std::set<std::string> integer_keys = {
      "units", "filters", "kernel_size", "strides", "dilation_rate", "groups", "depth_multiplier", "pool_size",
      "padding", "explicit_padding", "input_dim", "output_dim", "shape", "target_shape", "axis", "axes", "dims",
      "starts", "ends", "steps", "indices", "indices_shape", "constant_shape", "sizes", "pads", "shared_axes"};
  if (!config.is_object()) return;
  for (const auto& [key, value] : config.items()) {
    if (!integer_keys.count(key)) continue;
    // Flatten nested arrays ([[1, 2], [3, 4]]) iteratively; depth is bounded by the parser.
    std::vector<const Json*> pending{&value};
    while (!pending.empty()) {
      const Json* v = pending.back();
      pending.pop_back();
      if (v->is_array())
        for (const auto& e : *v) pending.push_back(&e);
      else
        STRATA_CHECK(is_int64(*v), "layer_from_config: ", type, ": ", key, " must hold integers within 64 bits, got ", v->dump());
    }
  }
}

void register_layer(const std::string& class_name, std::function<LayerPtr(const nlohmann::json&)> factory) {
  factories()[class_name] = std::move(factory);
}

std::vector<std::string> registered_layer_names() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : factories()) names.push_back(name);
  return names;
}

LayerPtr layer_from_config(const nlohmann::json& config) {
  STRATA_CHECK(config.is_object() && config.contains("class_name"),
               "layer_from_config: expected {\"class_name\": ..., \"config\": {...}} but got ", config.dump().substr(0, 200));
  const std::string type = config["class_name"];
  auto it = factories().find(type);
  if (it == factories().end()) {
    std::string known;
    for (const auto& [k, v] : factories()) known += (known.empty() ? "" : ", ") + k;
    throw Error(detail::concat("layer_from_config: unknown layer class \"", type, "\"; known: ", known));
  }
  const auto& c = config.contains("config") ? config["config"] : nlohmann::json::object();
  check_integer_fields(c, type);
  try {
    LayerPtr layer = it->second(c);
    const std::string truncated = truncated_number(c, layer->config()["config"], "");
    STRATA_CHECK(truncated.empty(), "layer_from_config: ", type, " '", layer->name(), "': expected an integer but got ",
                 truncated);
    if (c.contains("trainable") && !c["trainable"].get<bool>()) layer->set_trainable(false);
    return layer;
  } catch (const nlohmann::json::exception& e) {
    throw Error(detail::concat("layer_from_config: bad config for ", type, ": ", e.what()));
  }
}

}  // namespace strata::nn
