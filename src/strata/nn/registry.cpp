// layer_from_config: the lookup. Each layer reads its own config (its from_config, beside its
// layer_config) and registers itself in its own file with a LayerRegistrar. Models
// (Sequential, functional) are rebuilt by models/, which depends on this folder.
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "strata/nn/registry.h"

namespace strata::nn {
namespace {

using Json = nlohmann::json;

// Filled at static initialization by each layer file's LayerRegistrar (function-local, so
// it exists before the first registrar runs, whatever the order of the files).
std::map<std::string, LayerFactory>& factories() {
  static std::map<std::string, LayerFactory> table;
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
      "units", "filters", "kernel_size", "strides", "dilation_rate", "groups", "depth_multiplier", "pool_size", "output_padding", "dilation", "size", "cropping",
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

void register_layer(const std::string& class_name, LayerFactory factory) {
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
