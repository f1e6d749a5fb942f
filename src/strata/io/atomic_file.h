// Durable, atomic file writes: every file Strata writes over a user's file goes through here.
// The bytes go to a temporary beside the target (".<name>.tmp", one name per target, so a
// killed writer's leftover is reused and replaced by the next save rather than piling up),
// every write is checked, the temporary is fsync'ed, renamed over the target, and the folder is
// fsync'ed (the SQLite/PostgreSQL discipline): after a crash or power loss the target holds
// either the old file or the whole new one. On any failure the temporary is removed, the old
// file is untouched, and the error names the target and the system's reason.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace strata::io {

// Appends bytes to the file being written; throws on a failed write.
using ByteSink = std::function<void(const void* data, std::size_t size)>;

// Calls `produce` with a sink for the new contents, then moves them into place at `path`.
void write_file_atomically(const std::string& path, const std::function<void(const ByteSink&)>& produce);
void write_file_atomically(const std::string& path, const std::string& bytes);

// The temporary `write_file_atomically` uses for `path`.
std::string temporary_path_for(const std::string& path);

// Checks, before long work, that `path` could be written: creates its folder and creates and
// removes the temporary. Throws naming the location and the reason (read-only, no permission).
void check_writable(const std::string& path);

}  // namespace strata::io
