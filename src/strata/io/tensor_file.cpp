#include "strata/io/tensor_file.h"

#include <bit>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "strata/io/atomic_file.h"
#include "strata/io/json_text.h"

namespace strata::io {
namespace {

const char* dtype_tag(DType d) {
  switch (d) {
    case DType::f32: return "F32";
    case DType::f64: return "F64";
    case DType::i64: return "I64";
  }
  return "?";
}

DType dtype_from_tag(const std::string& tag, const std::string& path, const std::string& name) {
  if (tag == "F32") return DType::f32;
  if (tag == "F64") return DType::f64;
  if (tag == "I64") return DType::i64;
  throw Error(detail::concat("'", path, "': tensor '", name, "' has dtype ", tag, "; expected F32, F64 or I64"));
}

// Only little-endian hosts are supported (the data is written as it lies in memory).
static_assert(std::endian::native == std::endian::little, "tensor files assume a little-endian host");

}  // namespace

void write_tensor_file(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::json header;
  header["__metadata__"] = metadata;
  std::size_t offset = 0;
  std::vector<Tensor> data;
  for (const auto& [name, t] : tensors) {
    STRATA_CHECK(!header.contains(name), "write_tensor_file: tensor name '", name, "' appears twice");
    const Tensor c = t.contiguous();
    const std::size_t bytes = static_cast<std::size_t>(c.numel()) * dtype_size(c.dtype());
    header[name] = {{"dtype", dtype_tag(c.dtype())}, {"shape", c.shape()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    data.push_back(c);
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keep the data 8-byte aligned, as safetensors does
  const std::uint64_t n = text.size();

  write_file_atomically(path, [&](const ByteSink& write) {
    write(&n, 8);
    write(text.data(), text.size());
    for (const auto& t : data) write(t.raw_data(), static_cast<std::size_t>(t.numel()) * dtype_size(t.dtype()));
  });
}

TensorFile read_tensor_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in.good(), "load: cannot open '", path, "'");
  const auto file_size = std::filesystem::file_size(path);
  std::uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  STRATA_CHECK(in.gcount() == 8, "load: '", path, "' is truncated: it has ", file_size, " bytes, not even a header length");
  STRATA_CHECK(n <= file_size - 8, "load: '", path, "' is not a Strata/safetensors file or is truncated: header length ",
               n, " exceeds the file size ", file_size);
  std::string text(n, '\0');
  in.read(text.data(), static_cast<std::streamsize>(n));
  const nlohmann::json header = parse_json(text, detail::concat("load: '", path, "' has a corrupt header:"));
  STRATA_CHECK(header.is_object(), "load: '", path, "' has a corrupt header (not a JSON object)");
  const std::uint64_t data_size = file_size - 8 - n;
  TensorFile result;
  try {
    for (const auto& [name, entry] : header.items()) {
      if (name == "__metadata__") {
        result.metadata = entry.get<std::map<std::string, std::string>>();
        continue;
      }
      const DType dtype = dtype_from_tag(entry.at("dtype"), path, name);
      const Shape shape = entry.at("shape").get<Shape>();
      const auto offsets = entry.at("data_offsets").get<std::vector<std::uint64_t>>();
      const std::uint64_t bytes = static_cast<std::uint64_t>(shape_numel(shape)) * dtype_size(dtype);
      STRATA_CHECK(offsets.size() == 2 && offsets[1] >= offsets[0] && offsets[1] - offsets[0] == bytes,
                   "load: '", path, "': tensor '", name, "' of shape ", shape_str(shape), " declares ",
                   offsets.size() == 2 ? offsets[1] - offsets[0] : 0, " bytes but needs ", bytes);
      STRATA_CHECK(offsets[1] <= data_size, "load: '", path, "' is truncated: tensor '", name, "' ends at byte ",
                   offsets[1], " of a data section of ", data_size, " bytes");
      Tensor t = Tensor::empty(shape, dtype);
      in.seekg(static_cast<std::streamoff>(8 + n + offsets[0]));
      in.read(static_cast<char*>(t.raw_data()), static_cast<std::streamsize>(bytes));
      STRATA_CHECK(static_cast<std::uint64_t>(in.gcount()) == bytes, "load: '", path, "' is truncated in tensor '", name, "'");
      result.tensors[name] = t;
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(detail::concat("load: '", path, "' has a corrupt header entry: ", e.what()));
  }
  return result;
}

}  // namespace strata::io
