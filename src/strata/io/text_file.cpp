#include "strata/io/text_file.h"

#include <filesystem>
#include <fstream>

#include "strata/tensor/error.h"

namespace strata::io {

void write_text_file(const std::string& path, const std::string& text) { write_file_atomically(path, text); }

void write_file_atomically(const std::string& path_text, const std::string& bytes) {
  const std::filesystem::path path(path_text);
  const auto tmp = path.parent_path() / ("." + path.filename().string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out.good()) {
      out.close();
      std::filesystem::remove(tmp);
      throw Error(detail::concat("cannot write '", path.string(), "'"));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    throw Error(detail::concat("cannot move '", tmp.string(), "' into place at '", path.string(), "': ", ec.message()));
  }
}

}  // namespace strata::io
