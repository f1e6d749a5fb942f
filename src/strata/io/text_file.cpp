#include "strata/io/text_file.h"

#include <filesystem>
#include <fstream>

#include "strata/tensor/error.h"

namespace strata::io {

void write_text_file(const std::string& path_text, const std::string& text) {
  const std::filesystem::path path(path_text);
  const auto tmp = path.parent_path() / ("." + path.filename().string() + ".tmp");
  {
    std::ofstream out(tmp);
    out << text;
    out.flush();
    STRATA_CHECK(out.good(), "cannot write '", path.string(), "'");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    throw Error(detail::concat("cannot move '", tmp.string(), "' into place at '", path.string(), "': ", ec.message()));
  }
}

}  // namespace strata::io
