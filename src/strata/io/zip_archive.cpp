#include "strata/io/zip_archive.h"

#include <zip.h>

#include <cstdio>
#include <fstream>

#include "strata/tensor/error.h"

namespace strata::io {

ZipReader::ZipReader(const std::string& path, std::string what) : path_(path), what_(std::move(what)) {
  int error = 0;
  archive_ = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (!archive_) {
    zip_error_t e;
    zip_error_init_with_code(&e, error);
    const std::string reason = zip_error_strerror(&e);
    zip_error_fini(&e);
    throw Error(what_ + ": '" + path + "' is not a zip archive or is damaged (" + reason + ")");
  }
}

ZipReader::~ZipReader() {
  if (archive_) zip_discard(archive_);
}

std::vector<std::string> ZipReader::names() const {
  std::vector<std::string> out;
  const zip_int64_t n = zip_get_num_entries(archive_, 0);
  for (zip_int64_t i = 0; i < n; ++i)
    if (const char* name = zip_get_name(archive_, static_cast<zip_uint64_t>(i), 0)) out.emplace_back(name);
  return out;
}

bool ZipReader::has(const std::string& name) const { return zip_name_locate(archive_, name.c_str(), 0) >= 0; }

std::string ZipReader::read(const std::string& name, std::size_t max_bytes) const {
  zip_stat_t st;
  zip_stat_init(&st);
  STRATA_CHECK(zip_stat(archive_, name.c_str(), 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE), what_, ": '", path_,
               "' has no entry '", name, "'");
  STRATA_CHECK(st.size <= max_bytes, what_, ": entry '", name, "' of '", path_, "' declares ", st.size,
               " bytes; at most ", max_bytes, " are accepted");
  std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> file(zip_fopen(archive_, name.c_str(), 0), zip_fclose);
  STRATA_CHECK(file != nullptr, what_, ": cannot open entry '", name, "' of '", path_, "': ", zip_strerror(archive_));
  std::string bytes(static_cast<std::size_t>(st.size), '\0');
  zip_uint64_t done = 0;
  while (done < st.size) {
    const zip_int64_t got = zip_fread(file.get(), bytes.data() + done, st.size - done);
    STRATA_CHECK(got > 0, what_, ": entry '", name, "' of '", path_, "' is damaged or cut short (",
                 got < 0 ? zip_file_strerror(file.get()) : "ends early", ")");
    done += static_cast<zip_uint64_t>(got);
  }
  // Reading to the end makes libzip compare the CRC.
  char extra = 0;
  STRATA_CHECK(zip_fread(file.get(), &extra, 1) == 0, what_, ": entry '", name, "' of '", path_,
               "' is damaged (", zip_file_strerror(file.get()), ")");
  return bytes;
}

bool is_zip_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  STRATA_CHECK(buffer != nullptr, "zip: cannot create an in-memory archive");
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  if (!archive) {
    zip_source_free(buffer);
    throw Error("zip: cannot create an in-memory archive");
  }
  zip_source_keep(buffer);  // keep the bytes after zip_close
  std::unique_ptr<zip_source_t, void (*)(zip_source_t*)> owned(buffer, zip_source_free);
  for (const auto& [name, bytes] : entries) {
    zip_source_t* s = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    const zip_int64_t index = s ? zip_file_add(archive, name.c_str(), s, ZIP_FL_ENC_UTF_8) : -1;
    if (index < 0) {
      if (s) zip_source_free(s);
      zip_discard(archive);
      throw Error("zip: cannot add entry '" + name + "'");
    }
    zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
  }
  if (zip_close(archive) != 0) {
    const std::string reason = zip_strerror(archive);
    zip_discard(archive);
    throw Error("zip: cannot finish the archive: " + reason);
  }
  STRATA_CHECK(zip_source_open(buffer) == 0, "zip: cannot read the archive back");
  zip_source_seek(buffer, 0, SEEK_END);
  const zip_int64_t size = zip_source_tell(buffer);
  zip_source_seek(buffer, 0, SEEK_SET);
  std::string out(static_cast<std::size_t>(std::max<zip_int64_t>(size, 0)), '\0');
  const zip_int64_t got = zip_source_read(buffer, out.data(), out.size());
  zip_source_close(buffer);
  STRATA_CHECK(size >= 0 && got == size, "zip: cannot read the archive back");
  return out;
}

}  // namespace strata::io
