#include "strata/io/text_file.h"

namespace strata::io {

void write_text_file(const std::string& path, const std::string& text) { write_file_atomically(path, text); }

}  // namespace strata::io
