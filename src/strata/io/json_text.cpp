#include "strata/io/json_text.h"

#include "strata/tensor/error.h"

namespace strata::io {
namespace {

template <class Json, class Input>
Json parse_bounded(Input&& input, const std::string& what) {
  const auto limit_depth = [&](int depth, nlohmann::json::parse_event_t, Json&) {
    STRATA_CHECK(depth <= kMaxJsonDepth, what, " nests deeper than ", kMaxJsonDepth, " levels; refusing it");
    return true;
  };
  try {
    return Json::parse(std::forward<Input>(input), limit_depth);
  } catch (const nlohmann::json::exception& e) {
    throw Error(detail::concat(what, " is not valid JSON: ", e.what()));
  }
}

}  // namespace

template <class Json>
Json parse_json(const std::string& text, const std::string& what) {
  return parse_bounded<Json>(text, what);
}
template <class Json>
Json parse_json(std::istream& in, const std::string& what) {
  return parse_bounded<Json>(in, what);
}

template nlohmann::json parse_json<nlohmann::json>(const std::string&, const std::string&);
template nlohmann::json parse_json<nlohmann::json>(std::istream&, const std::string&);
template nlohmann::ordered_json parse_json<nlohmann::ordered_json>(const std::string&, const std::string&);
template nlohmann::ordered_json parse_json<nlohmann::ordered_json>(std::istream&, const std::string&);

}  // namespace strata::io
