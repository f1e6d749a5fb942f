// Reading text documents from files: one document per line, or documents between separator
// lines (the fortune files' "%").
#pragma once

#include <string>
#include <vector>

namespace strata::text {

// The documents of `path`: with `separator` empty, each non-blank line; otherwise the runs of
// lines between lines equal to `separator` (trailing spaces ignored), joined with newlines,
// blank ones dropped. A missing file is an error naming it.
std::vector<std::string> read_documents(const std::string& path, const std::string& separator = "");

}  // namespace strata::text
