// Text files written atomically and durably (through io/atomic_file.h).
#pragma once

#include <string>

#include "strata/io/atomic_file.h"

namespace strata::io {

// Throws naming the file when it cannot be written or moved into place.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace strata::io
