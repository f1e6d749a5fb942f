// Zip archives through libzip (Keras 3's .keras files are zips): entries read whole into
// memory with their sizes bounded and CRCs checked, and archives built in memory so the caller
// writes them out atomically.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

struct zip;  // libzip's archive handle

namespace strata::io {

class ZipReader {
 public:
  // Throws "<what>: '<path>' is not a zip archive ..." for anything libzip cannot open.
  ZipReader(const std::string& path, std::string what);
  ~ZipReader();
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  std::vector<std::string> names() const;
  bool has(const std::string& name) const;
  // The entry's bytes; throws when it is missing, larger than `max_bytes`, or damaged.
  std::string read(const std::string& name, std::size_t max_bytes) const;

 private:
  std::string path_, what_;
  ::zip* archive_ = nullptr;
};

// True when the file starts with a zip local-file signature ("PK\3\4").
bool is_zip_file(const std::string& path);

// A zip archive of `entries` (name, bytes), stored uncompressed as Python's zipfile does by
// default (and Keras' saving with it).
std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries);

}  // namespace strata::io
