#include "strata/io/isolated_call.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "strata/tensor/error.h"

namespace strata::io {
namespace {

void write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(4);
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

IsolatedResult run_isolated(const std::function<bool(std::string&)>& work, double seconds) {
  int fds[2];
  STRATA_CHECK(::pipe2(fds, O_CLOEXEC) == 0, "cannot create a pipe for an isolated read");
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw Error("cannot start a process for an isolated read");
  }
  if (pid == 0) {  // the child: do the work, hand over the bytes, leave at once
    ::close(fds[0]);
    std::string bytes;
    bool ok = false;
    try {
      ok = work(bytes);
    } catch (...) {
    }
    if (ok) write_all(fds[1], bytes);
    _exit(ok ? 0 : 3);
  }
  ::close(fds[1]);
  IsolatedResult result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  char buffer[1 << 16];
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      timed_out = true;
      break;
    }
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of the child's output
    result.bytes.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out)
    result.status = IsolatedResult::Status::timed_out;
  else
    result.status = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? IsolatedResult::Status::ok : IsolatedResult::Status::failed;
  if (result.status != IsolatedResult::Status::ok) result.bytes.clear();
  return result;
}

}  // namespace strata::io
