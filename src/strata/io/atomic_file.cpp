#include "strata/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "strata/tensor/error.h"

namespace strata::io {
namespace {

std::string reason(int error) { return std::strerror(error); }

std::filesystem::path folder_of(const std::filesystem::path& path) {
  return path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
}

// Best effort: makes the rename itself durable. Some file systems refuse fsync on a folder
// (EINVAL); the file's own contents are already on disk then.
void sync_folder(const std::filesystem::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// An open temporary that is removed unless committed. Removal errors are ignored: they must
// not hide the write error that made us remove it.
class Temporary {
 public:
  Temporary(std::string target, std::string path) : target_(std::move(target)), path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("cannot create the temporary '" + path_ + "'", errno);
  }
  ~Temporary() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  Temporary(const Temporary&) = delete;
  Temporary& operator=(const Temporary&) = delete;

  void write(const void* data, std::size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
      const ssize_t n = ::write(fd_, p, size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail("writing failed", n < 0 ? errno : ENOSPC);
      p += n;
      size -= static_cast<std::size_t>(n);
    }
  }

  void commit() {
    if (::fsync(fd_) != 0) fail("flushing to disk failed", errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("closing failed", errno);
    if (::rename(path_.c_str(), target_.c_str()) != 0) fail("cannot move the new file into place", errno);
    committed_ = true;
    sync_folder(folder_of(target_));
  }

 private:
  [[noreturn]] void fail(const std::string& what, int error) const {
    throw Error(detail::concat("cannot write '", target_, "': ", what, " (", reason(error),
                               "); any previous file there is untouched"));
  }

  std::string target_, path_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace

std::string temporary_path_for(const std::string& path_text) {
  const std::filesystem::path path(path_text);
  return (path.parent_path() / ("." + path.filename().string() + ".tmp")).string();
}

void write_file_atomically(const std::string& path, const std::function<void(const ByteSink&)>& produce) {
  STRATA_CHECK(!std::filesystem::path(path).filename().empty(), "cannot write '", path, "': it names a folder, not a file");
  Temporary tmp(path, temporary_path_for(path));
  produce([&](const void* data, std::size_t size) { tmp.write(data, size); });
  tmp.commit();
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
  write_file_atomically(path, [&](const ByteSink& write) { write(bytes.data(), bytes.size()); });
}

void check_writable(const std::string& path) {
  const std::filesystem::path target(path);
  STRATA_CHECK(!target.filename().empty(), "cannot write '", path, "': it names a folder, not a file");
  std::error_code ec;
  if (!target.parent_path().empty()) std::filesystem::create_directories(target.parent_path(), ec);
  STRATA_CHECK(!ec, "cannot write '", path, "': cannot create its folder (", ec.message(), ")");
  STRATA_CHECK(!std::filesystem::is_directory(target), "cannot write '", path, "': it is a folder");
  const std::string probe = temporary_path_for(path);
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  STRATA_CHECK(fd >= 0, "cannot write '", path, "' (", reason(errno), ")");
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace strata::io
