// What a layer's config() writes and its from_config() reads, beside each other in the layer's
// own file. Every default lives in one place — the constructor's default argument or the
// options struct's STRATA_OPTION — because reading keeps a field's default when the key is
// absent (or null: Keras writes null for "none").
//
// Options structs list their fields once, for both directions:
//   template <class Self, class Visit> static void fields(Self& o, Visit&& visit) {
//     visit("units", o.units_);
//     visit("activation", o.activation_);
//   }
// and write_fields / read_fields walk that list.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "strata/nn/regularizers.h"

namespace strata::nn::config {

using Json = nlohmann::json;

inline bool given(const Json& c, const char* key) { return c.is_object() && c.contains(key) && !c[key].is_null(); }

// The layer name in a config ("" when absent: the layer then picks a unique one). A name that
// is not a string is an error (nlohmann's type_error, reported by layer_from_config).
inline std::string name(const Json& c) { return given(c, "name") ? c["name"].get<std::string>() : ""; }

// Values whose config form is not nlohmann's default one.
template <class T>
void decode(const Json& j, T& out) {
  out = j.get<T>();
}
inline void decode(const Json& j, Regularizer& out) { out = Regularizer::from_config(j); }
inline void decode(const Json& j, MaxNorm& out) { out = MaxNorm{j.at("max_value").get<double>()}; }
template <class T>
void decode(const Json& j, std::optional<T>& out) {  // null is "none" (read() skips it)
  T value{};
  decode(j, value);
  out = value;
}
template <class T>
Json encode(const T& value) {
  return Json(value);
}
inline Json encode(const Regularizer& r) { return r.config(); }
inline Json encode(const MaxNorm& m) { return m.active() ? Json{{"max_value", m.max_value}} : Json(); }
template <class T>
Json encode(const std::optional<T>& value) {
  return value ? encode(*value) : Json();
}

// Reads `key` into `field` when the config gives it; keeps the field's default otherwise.
template <class T>
void read(const Json& c, const char* key, T& field) {
  if (given(c, key)) decode(c[key], field);
}
// `key`'s value, or `default_value` (pass the constructor's named default) when not given.
template <class T>
T get(const Json& c, const char* key, T default_value) {
  read(c, key, default_value);
  return default_value;
}
// A key that has no default: missing is an error (nlohmann's out_of_range, which
// layer_from_config reports as a bad config naming the layer class).
template <class T>
T require(const Json& c, const char* key) {
  T value{};
  decode(c.at(key), value);
  return value;
}

// Keras writes an axis argument as one integer or a list: both read as a list.
inline std::vector<std::int64_t> axes(const Json& c, const char* key, std::vector<std::int64_t> default_value) {
  if (!given(c, key)) return default_value;
  return c[key].is_array() ? c[key].get<std::vector<std::int64_t>>() : std::vector<std::int64_t>{c[key].get<std::int64_t>()};
}
// ... and written back the same way: one integer when there is one axis.
inline Json axes_value(const std::vector<std::int64_t>& axes) { return axes.size() == 1 ? Json(axes[0]) : Json(axes); }

template <class Options>
void write_fields(const Options& o, Json& c) {
  Options::fields(o, [&c](const char* key, const auto& value) { c[key] = encode(value); });
}
template <class Options>
void read_fields(const Json& c, Options& o) {
  Options::fields(o, [&c](const char* key, auto& value) { read(c, key, value); });
}

}  // namespace strata::nn::config
