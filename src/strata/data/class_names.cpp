#include "strata/data/class_names.h"

#include <fstream>

#include "strata/tensor/error.h"

namespace strata::data {

std::vector<std::string> read_class_names(const std::string& path) {
  std::ifstream in(path);
  STRATA_CHECK(in, "class names: cannot open '", path, "'");
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto comma = line.find(',');
    const std::string first = line.substr(0, comma);
    const bool indexed = comma != std::string::npos && !first.empty() && first.find_first_not_of("0123456789") == std::string::npos;
    if (indexed) {
      STRATA_CHECK(std::stoul(first) == names.size(), "class names: '", path, "' line ", names.size() + 1,
                   " has index ", first, ", expected ", names.size());
      const auto next = line.find(',', comma + 1);
      std::string name = line.substr(comma + 1, next == std::string::npos ? std::string::npos : next - comma - 1);
      while (!name.empty() && name.front() == ' ') name.erase(name.begin());
      names.push_back(name);
    } else {
      names.push_back(line);
    }
  }
  STRATA_CHECK(!names.empty(), "class names: '", path, "' has no names");
  return names;
}

}  // namespace strata::data
