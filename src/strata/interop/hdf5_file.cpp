#include "strata/interop/hdf5_file.h"

#include <cstring>
#include <fstream>
#include <memory>

#include "strata/io/isolated_call.h"

namespace strata::interop::hdf5 {
namespace {

// More strings than any real model has layers or weights.
constexpr hssize_t kMaxStrings = hssize_t{1} << 20;
// A real model's strings (its config included) are read in milliseconds.
constexpr double kStringReadSeconds = 10;
// Larger than any real layer's weight (2^31 floats = 8 GiB).
constexpr hsize_t kMaxDatasetElements = hsize_t{1} << 31;

// Frees HDF5's variable-length strings on every path out, errors included.
class VlenStrings {
 public:
  VlenStrings(std::size_t n, hid_t mem_type, hid_t space) : values_(n, nullptr), mem_type_(mem_type), space_(space) {}
  ~VlenStrings() { H5Dvlen_reclaim(mem_type_, space_, H5P_DEFAULT, values_.data()); }
  VlenStrings(const VlenStrings&) = delete;
  VlenStrings& operator=(const VlenStrings&) = delete;
  std::vector<char*>& values() { return values_; }

 private:
  std::vector<char*> values_;
  hid_t mem_type_, space_;
};

void quiet_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }  // errors are reported by us, not printed by HDF5

}  // namespace

File::File(std::string label, hid_t id) : label_(std::move(label)), file_(std::make_shared<Handle>(id, H5Fclose)) {}

File::File(const std::string& path, const std::string& what) : label_(path) {
  quiet_errors();
  STRATA_CHECK(is_hdf5_file(path), what, ": '", path, "' is not an HDF5 file");
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  STRATA_CHECK(id >= 0, what, ": cannot open '", path, "' (damaged HDF5 file?)");
  file_ = std::make_shared<Handle>(id, H5Fclose);
}

File File::from_bytes(const std::string& bytes, const std::string& label, const std::string& what) {
  quiet_errors();
  STRATA_CHECK(is_hdf5_bytes(bytes), what, ": '", label, "' is not an HDF5 file");
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  // The core driver keeps the file in memory; no backing store, so nothing is written.
  STRATA_CHECK(fapl.ok() && H5Pset_fapl_core(fapl.get(), 1 << 16, 0) >= 0 &&
                   H5Pset_file_image(fapl.get(), const_cast<char*>(bytes.data()), bytes.size()) >= 0,
               what, ": cannot hold '", label, "' in memory");
  const hid_t id = H5Fopen(label.c_str(), H5F_ACC_RDONLY, fapl.get());
  STRATA_CHECK(id >= 0, what, ": cannot open '", label, "' (damaged HDF5 file?)");
  return File(label, id);
}

bool is_hdf5_bytes(const std::string& bytes) { return bytes.size() >= 8 && std::memcmp(bytes.data(), "\x89HDF\r\n\x1a\n", 8) == 0; }

bool is_hdf5_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string magic(8, '\0');
  in.read(magic.data(), 8);
  return in.gcount() == 8 && is_hdf5_bytes(magic);
}

bool has_attribute(hid_t object, const std::string& name) { return H5Aexists(object, name.c_str()) > 0; }

bool has_link(hid_t group, const std::string& path) {
  // H5Lexists checks one link at a time: walk the path so a missing parent is "no", not an error.
  std::string prefix;
  std::size_t at = 0;
  while (at <= path.size()) {
    const std::size_t slash = path.find('/', at);
    prefix += (prefix.empty() ? "" : "/") + path.substr(at, slash == std::string::npos ? std::string::npos : slash - at);
    if (H5Lexists(group, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) break;
    at = slash + 1;
  }
  return true;
}

std::vector<std::string> member_names(hid_t group) {
  std::vector<std::string> names;
  H5Literate(
      group, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
        static_cast<std::vector<std::string>*>(out)->emplace_back(name);
        return 0;
      },
      &names);
  return names;
}

std::vector<std::string> read_strings(hid_t object, const std::string& name, const std::string& what) {
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  STRATA_CHECK(attr.ok(), what, ": attribute '", name, "' is missing");
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  STRATA_CHECK(type.ok() && space.ok(), what, ": attribute '", name, "' is damaged");
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  STRATA_CHECK(n >= 0, what, ": attribute '", name, "' is damaged");
  if (n == 0) return {};  // h5py writes an empty list (of a layer without weights) as an empty float array
  STRATA_CHECK(H5Tget_class(type.get()) == H5T_STRING, what, ": attribute '", name, "' is not a string");
  const hsize_t stored = H5Aget_storage_size(attr.get());
  std::vector<std::string> out;
  if (H5Tis_variable_str(type.get()) > 0) {
    // Each variable-length string is stored as a reference into the file's heap: a length and
    // a heap ID, 16 bytes with 8-byte file addresses (12 with 4-byte ones).
    STRATA_CHECK(n <= kMaxStrings && static_cast<hsize_t>(n) <= stored / 12, what, ": attribute '", name, "' declares ", n,
                 " strings but stores ", stored, " bytes");
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));  // ASCII (old h5py) or UTF-8 (newer h5py)
    // The strings live in the file's global heap, whose reader in libhdf5 can loop for good on
    // a damaged file: read them in a child process with a time limit. Each string comes back
    // as its length (8 bytes) and its bytes.
    const auto read = io::run_isolated(
        [&](std::string& bytes) {
          VlenStrings strings(static_cast<std::size_t>(n), mem.get(), space.get());
          if (H5Aread(attr.get(), mem.get(), strings.values().data()) < 0) return false;
          for (const char* v : strings.values()) {
            const std::uint64_t length = v ? std::strlen(v) : 0;
            bytes.append(reinterpret_cast<const char*>(&length), 8);
            if (v) bytes.append(v, length);
          }
          return true;
        },
        kStringReadSeconds);
    STRATA_CHECK(read.status != io::IsolatedResult::Status::timed_out, what, ": reading attribute '", name,
                 "' did not finish in ", kStringReadSeconds, " s; the file's heap is damaged");
    STRATA_CHECK(read.status == io::IsolatedResult::Status::ok, what, ": cannot read attribute '", name, "'");
    for (std::size_t at = 0; at < read.bytes.size();) {
      std::uint64_t length = 0;
      STRATA_CHECK(read.bytes.size() - at >= 8, what, ": attribute '", name, "' came back cut short");
      std::memcpy(&length, read.bytes.data() + at, 8);
      STRATA_CHECK(length <= read.bytes.size() - at - 8, what, ": attribute '", name, "' came back cut short");
      out.emplace_back(read.bytes, at + 8, length);
      at += 8 + length;
    }
    STRATA_CHECK(out.size() == static_cast<std::size_t>(n), what, ": attribute '", name, "' came back cut short");
  } else {
    const std::size_t size = H5Tget_size(type.get());
    STRATA_CHECK(size > 0 && static_cast<hsize_t>(n) <= stored / size, what, ": attribute '", name, "' declares ", n,
                 " strings of ", size, " bytes but stores ", stored, " bytes");
    std::vector<char> buffer(size * static_cast<std::size_t>(n) + 1, '\0');
    STRATA_CHECK(H5Aread(attr.get(), type.get(), buffer.data()) >= 0, what, ": cannot read attribute '", name, "'");
    for (hssize_t i = 0; i < n; ++i) {
      const char* s = buffer.data() + i * size;
      out.emplace_back(s, strnlen(s, size));  // null-padded
    }
  }
  return out;
}

Tensor read_dataset(hid_t group, const std::string& path, const std::string& what) {
  Handle set(H5Dopen2(group, path.c_str(), H5P_DEFAULT), H5Dclose);
  STRATA_CHECK(set.ok(), what, ": weight dataset '", path, "' is missing");
  Handle space(H5Dget_space(set.get()), H5Sclose);
  Handle type(H5Dget_type(set.get()), H5Tclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  STRATA_CHECK(rank >= 0 && rank <= 8 && type.ok(), what, ": weight dataset '", path, "' is damaged");
  const H5T_class_t cls = H5Tget_class(type.get());
  STRATA_CHECK(cls == H5T_FLOAT || cls == H5T_INTEGER, what, ": weight dataset '", path, "' is not numeric");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  hsize_t count = 1;
  for (hsize_t d : dims) {
    STRATA_CHECK(d <= kMaxDatasetElements && (d == 0 || count <= kMaxDatasetElements / d), what, ": weight dataset '",
                 path, "' declares more than 2^31 elements");
    count *= d;
  }
  // A contiguous dataset stores every element: a damaged header that declares more is caught
  // before the allocation (chunked, compressed datasets are checked by HDF5 while reading).
  Handle plist(H5Dget_create_plist(set.get()), H5Pclose);
  if (plist.ok() && H5Pget_layout(plist.get()) == H5D_CONTIGUOUS) {
    const hsize_t stored = H5Dget_storage_size(set.get());
    STRATA_CHECK(stored >= count * H5Tget_size(type.get()), what, ": weight dataset '", path, "' declares ", count,
                 " elements but stores ", stored, " bytes");
  }
  Tensor t = Tensor::empty(Shape(dims.begin(), dims.end()));
  STRATA_CHECK(H5Dread(set.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.raw_data()) >= 0, what,
               ": cannot read weight '", path, "' as float");
  return t;
}

// ---------------------------------------------------------------- writing

Writer::Writer() {
  quiet_errors();
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  STRATA_CHECK(fapl.ok() && H5Pset_fapl_core(fapl.get(), 1 << 20, 0) >= 0, "HDF5: cannot set up an in-memory file");
  const hid_t id = H5Fcreate("strata-export.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  STRATA_CHECK(id >= 0, "HDF5: cannot create an in-memory file");
  file_ = std::make_shared<Handle>(id, H5Fclose);
}

std::shared_ptr<Handle> Writer::group(hid_t parent, const std::string& path) {
  if (has_link(parent, path)) return std::make_shared<Handle>(H5Gopen2(parent, path.c_str(), H5P_DEFAULT), H5Gclose);
  Handle links(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(links.get(), 1);
  auto g = std::make_shared<Handle>(H5Gcreate2(parent, path.c_str(), links.get(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  STRATA_CHECK(g->ok(), "HDF5: cannot create group '", path, "'");
  return g;
}

void Writer::dataset(hid_t group, const std::string& name, const Tensor& value) {
  const Tensor v = value.contiguous();
  std::vector<hsize_t> dims(v.shape().begin(), v.shape().end());
  Handle space(v.dim() == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(v.dim(), dims.data(), nullptr), H5Sclose);
  Handle set(H5Dcreate2(group, name.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  STRATA_CHECK(set.ok() && H5Dwrite(set.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.raw_data()) >= 0,
               "HDF5: cannot write dataset '", name, "'");
}

void Writer::string_attribute(hid_t object, const std::string& name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  const char* data = value.c_str();
  STRATA_CHECK(attr.ok() && H5Awrite(attr.get(), type.get(), &data) >= 0, "HDF5: cannot write attribute '", name, "'");
}

void Writer::fixed_strings_attribute(hid_t object, const std::string& name, const std::vector<std::string>& values) {
  std::size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size());
  std::string buffer(width * values.size(), '\0');
  for (std::size_t i = 0; i < values.size(); ++i) std::memcpy(buffer.data() + i * width, values[i].data(), values[i].size());
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), width);
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  const hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle attr(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  STRATA_CHECK(attr.ok() && H5Awrite(attr.get(), type.get(), buffer.data()) >= 0, "HDF5: cannot write attribute '", name, "'");
}

std::string Writer::bytes() {
  STRATA_CHECK(H5Fflush(root(), H5F_SCOPE_GLOBAL) >= 0, "HDF5: cannot flush the in-memory file");
  const ssize_t size = H5Fget_file_image(root(), nullptr, 0);
  STRATA_CHECK(size > 0, "HDF5: cannot take the in-memory file's image");
  std::string out(static_cast<std::size_t>(size), '\0');
  STRATA_CHECK(H5Fget_file_image(root(), out.data(), out.size()) == size, "HDF5: cannot take the in-memory file's image");
  return out;
}

}  // namespace strata::interop::hdf5
