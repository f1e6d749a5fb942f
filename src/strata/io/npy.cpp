#include "strata/io/npy.h"

#include <cstring>
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
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it)
    shape.push_back(std::stoll(it->str()));
  Tensor t = Tensor::empty(shape, dtype);
  const auto bytes = static_cast<std::streamsize>(t.numel() * static_cast<std::int64_t>(dtype_size(dtype)));
  in.read(static_cast<char*>(t.raw_data()), bytes);
  STRATA_CHECK(in.gcount() == bytes, "read_npy: '", path, "' is truncated: expected ", bytes, " bytes of data for shape ",
               shape_str(shape), ", found ", in.gcount());
  return t;
}

}  // namespace strata::io
