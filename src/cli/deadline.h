// A bound on how long one step of a command may take, for library calls that cannot be
// interrupted: fuzzing found damaged HDF5 files that send libhdf5 into loops it never leaves.
// When the time is up the process prints the prepared message and exits with code 2; nothing
// is half-written, since every output goes through the atomic writer.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace strata::cli {

class Deadline {
 public:
  // `seconds` from the environment variable `variable` when set (e.g. for tests), else `fallback`.
  Deadline(const char* variable, unsigned fallback, const std::string& message) {
    const char* text = std::getenv(variable);
    const int given = text ? std::atoi(text) : 0;
    const unsigned seconds = given > 0 ? static_cast<unsigned>(given) : fallback;
    message_() = "error: " + message + " (gave up after " + std::to_string(seconds) + " s; " + variable +
                 " sets the limit)\n";
    struct sigaction action {};
    action.sa_handler = [](int) {
      const std::string& m = message_();
      [[maybe_unused]] const auto written = ::write(2, m.data(), m.size());
      ::_exit(2);
    };
    sigaction(SIGALRM, &action, nullptr);
    alarm(seconds);
  }
  ~Deadline() { alarm(0); }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

 private:
  static std::string& message_() {
    static std::string m;
    return m;
  }
};

}  // namespace strata::cli
