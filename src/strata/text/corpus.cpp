#include "strata/text/corpus.h"

#include <fstream>

#include "strata/tensor/error.h"
#include "strata/text/tokenizer.h"

namespace strata::text {
namespace {

std::string without_trailing_space(std::string line) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
  return line;
}

}  // namespace

std::vector<std::string> read_documents(const std::string& path, const std::string& separator) {
  std::ifstream in(path);
  STRATA_CHECK(in.good(), "cannot open the text file '", path, "'");
  std::vector<std::string> documents;
  std::string line, current;
  const auto finish = [&] {
    if (!normalize_whitespace(current).empty()) documents.push_back(current);
    current.clear();
  };
  while (std::getline(in, line)) {
    line = without_trailing_space(line);
    if (separator.empty()) {
      current = line;
      finish();
    } else if (line == separator) {
      finish();
    } else {
      current += (current.empty() ? "" : "\n") + line;
    }
  }
  finish();
  STRATA_CHECK(!in.bad(), "error reading '", path, "'");
  return documents;
}

}  // namespace strata::text
