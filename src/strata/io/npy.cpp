#include "strata/io/npy.h"

#include "strata/io/atomic_file.h"

#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>

namespace strata::io {

Tensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in, "read_npy: cannot open '", path, "'");
  char magic[8];
  in.read(magic, 8);
  STRATA_CHECK(in && std::memcmp(magic, "\x93NUMPY", 6) == 0, "read_npy: '", path, "' is not a .npy file");
  std::uint32_t header_len = 0;
  if (magic[6] == 1) {
    std::uint16_t n = 0;
    in.read(reinterpret_cast<char*>(&n), 2);
    header_len = n;
  } else {
    in.read(reinterpret_cast<char*>(&header_len), 4);
  }
  const auto file_size = std::filesystem::file_size(path);
  const std::uint64_t header_start = magic[6] == 1 ? 10 : 12;
  STRATA_CHECK(in && header_len <= file_size - std::min<std::uint64_t>(file_size, header_start), "read_npy: '", path,
               "' declares a ", header_len, "-byte header but the file has ", file_size, " bytes");
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);
  STRATA_CHECK(in, "read_npy: '", path, "' is truncated in its header");
  std::smatch m;
  STRATA_CHECK(std::regex_search(header, m, std::regex("'descr':\\s*'([<|=]?)(f4|f8)'")), "read_npy: '", path,
               "' holds ", header, "; only little-endian float32/float64 arrays are supported");
  const DType dtype = m[2] == "f4" ? DType::f32 : DType::f64;
  STRATA_CHECK(header.find("'fortran_order': False") != std::string::npos, "read_npy: '", path,
               "' is in Fortran order; only C order is supported");
  std::smatch s;
  STRATA_CHECK(std::regex_search(header, s, std::regex("'shape':\\s*\\(([^)]*)\\)")), "read_npy: '", path, "' has no shape");
  Shape shape;
  const std::string dims = s[1];
  const std::regex number("[0-9]+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    std::int64_t d = 0;
    const std::string digits = it->str();
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), d);
    STRATA_CHECK(ec == std::errc() && ptr == digits.data() + digits.size(), "read_npy: '", path, "' has a dimension ",
                 digits, " that does not fit in 64 bits");
    shape.push_back(d);
  }
  // Checked against what the file holds before allocating (a 100-byte file may declare any shape).
  const std::uint64_t available = file_size - header_start - header_len;
  const std::int64_t numel = shape_numel(shape);
  STRATA_CHECK(static_cast<std::uint64_t>(numel) <= available / dtype_size(dtype), "read_npy: '", path,
               "' is truncated: shape ", shape_str(shape), " needs ", numel, " elements of ", dtype_size(dtype),
               " bytes but the file holds ", available, " bytes of data");
  Tensor t = Tensor::empty(shape, dtype);
  const auto bytes = static_cast<std::streamsize>(t.numel() * static_cast<std::int64_t>(dtype_size(dtype)));
  in.read(static_cast<char*>(t.raw_data()), bytes);
  STRATA_CHECK(in.gcount() == bytes, "read_npy: '", path, "' is truncated: expected ", bytes, " bytes of data for shape ",
               shape_str(shape), ", found ", in.gcount());
  return t;
}

void write_npy(const std::string& path, const Tensor& value) {
  const Tensor v = value.to(DType::f32).contiguous();
  std::string shape;
  for (auto d : v.shape()) shape += std::to_string(d) + ", ";
  if (v.dim() == 1) shape.pop_back();  // "(3,)"
  else if (v.dim() > 1) shape.resize(shape.size() - 2);
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
  // The magic (6) + version (2) + header length (2) + header, padded with spaces to 64 bytes, '\n'.
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.append(static_cast<const char*>(v.raw_data()), static_cast<std::size_t>(v.numel()) * 4);
  write_file_atomically(path, bytes);
}

}  // namespace strata::io
