// JSON read from files (model specs, model and weight file headers, Keras configs) with a bound
// on nesting: nlohmann parses iteratively, but dump() and Strata's own walks of a config
// (model_from_config) recurse, so 100,000 nested brackets in a 200 KB file would overflow the
// stack. Deeper input is refused while parsing, with a message naming the file.
#pragma once

#include <istream>
#include <nlohmann/json.hpp>
#include <string>

namespace strata::io {

// Far deeper than any real model config (a nested Sequential adds about four levels).
constexpr int kMaxJsonDepth = 256;

// `what` names the source in errors, e.g. "model spec 'net.json'".
template <class Json = nlohmann::json>
Json parse_json(const std::string& text, const std::string& what);
template <class Json = nlohmann::json>
Json parse_json(std::istream& in, const std::string& what);

}  // namespace strata::io
