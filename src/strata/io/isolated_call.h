// Runs a piece of work in a forked child process with a time limit, for third-party calls that
// may never return on damaged input and cannot be interrupted in-process: libhdf5's global-heap
// reader loops for good on some damaged Keras files (found by fuzz/fuzz_keras_h5). The child
// works on a copy of the process (open files included), writes its result to a pipe and exits
// without running destructors or exit handlers; the parent collects the bytes or, past the
// limit, kills the child.
#pragma once

#include <functional>
#include <string>

namespace strata::io {

struct IsolatedResult {
  enum class Status { ok, failed, timed_out } status = Status::failed;
  std::string bytes;  // what the work produced (when ok)
};

// `work` fills its argument and returns true on success. The child does only this work, so it
// must not need other threads (OpenMP regions, locks held elsewhere).
IsolatedResult run_isolated(const std::function<bool(std::string&)>& work, double seconds);

}  // namespace strata::io
