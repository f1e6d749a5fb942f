// Text files written atomically: the text goes to a temporary file beside the target, which is
// then renamed over it, so a reader (or a crash) never leaves half a file over a good one.
#pragma once

#include <string>

namespace strata::io {

// Throws naming the file when it cannot be written or moved into place.
void write_text_file(const std::string& path, const std::string& text);
// The same for any bytes (serialized protobufs, ...).
void write_file_atomically(const std::string& path, const std::string& bytes);

}  // namespace strata::io
