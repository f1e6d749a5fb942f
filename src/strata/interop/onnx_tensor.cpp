#include "strata/interop/onnx_tensor.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace strata::interop {
namespace {

std::string read_bytes(const std::string& path, std::int64_t offset, std::int64_t length, const std::string& tensor) {
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in, "ONNX tensor '", tensor, "': cannot open its external data file ", path);
  in.seekg(0, std::ios::end);
  const std::int64_t size = in.tellg();
  if (length < 0) length = size - offset;
  STRATA_CHECK(offset >= 0 && offset + length <= size, "ONNX tensor '", tensor, "': external data ", path, " has ", size,
               " bytes but offset ", offset, " + length ", length, " were asked for");
  std::string bytes(static_cast<std::size_t>(length), '\0');
  in.seekg(offset);
  in.read(bytes.data(), length);
  return bytes;
}

// The tensor's bytes when stored raw (in the file or externally); empty when typed fields hold it.
std::string raw_bytes(const onnx::TensorProto& p, const std::string& base_dir) {
  if (p.data_location() != onnx::TensorProto::EXTERNAL) return p.raw_data();
  std::string location;
  std::int64_t offset = 0, length = -1;
  auto number = [&](const std::string& key, const std::string& text) {
    std::size_t used = 0;
    std::int64_t v = -1;
    try {
      v = std::stoll(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    STRATA_CHECK(used == text.size() && v >= 0, "ONNX tensor '", p.name(), "': external data ", key, " '", text,
                 "' is not a non-negative integer");
    return v;
  };
  for (const auto& kv : p.external_data()) {
    if (kv.key() == "location") location = kv.value();
    if (kv.key() == "offset") offset = number("offset", kv.value());
    if (kv.key() == "length") length = number("length", kv.value());
  }
  STRATA_CHECK(!location.empty(), "ONNX tensor '", p.name(), "': external data without a location");
  STRATA_CHECK(location.find("..") == std::string::npos && location.front() != '/', "ONNX tensor '", p.name(),
               "': external data location '", location, "' must be a relative path inside the model's folder");
  return read_bytes(base_dir.empty() ? location : base_dir + "/" + location, offset, length, p.name());
}

template <class Raw, class Out>
std::vector<Out> decode_raw(const std::string& bytes, std::int64_t n, const onnx::TensorProto& p) {
  STRATA_CHECK(static_cast<std::int64_t>(bytes.size()) == n * static_cast<std::int64_t>(sizeof(Raw)), "ONNX tensor '",
               p.name(), "': ", bytes.size(), " bytes of data for ", n, " elements of ", sizeof(Raw), " bytes");
  std::vector<Out> out(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    Raw v;
    std::memcpy(&v, bytes.data() + i * sizeof(Raw), sizeof(Raw));
    if constexpr (std::is_same_v<Raw, std::uint16_t> && std::is_same_v<Out, float>)
      out[i] = half_to_float(v);
    else
      out[i] = static_cast<Out>(v);
  }
  return out;
}

template <class Field, class Out>
std::vector<Out> decode_field(const Field& field, std::int64_t n, const onnx::TensorProto& p) {
  STRATA_CHECK(field.size() == n, "ONNX tensor '", p.name(), "': ", field.size(), " values for shape of ", n,
               " elements");
  return std::vector<Out>(field.begin(), field.end());
}

}  // namespace

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h >> 15) & 1, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  float value;
  if (exponent == 0)
    value = std::ldexp(static_cast<float>(mantissa), -24);  // zero and subnormals
  else if (exponent == 31)
    value = mantissa ? std::nanf("") : INFINITY;
  else
    value = std::ldexp(static_cast<float>(mantissa | 0x400), static_cast<int>(exponent) - 25);
  return sign ? -value : value;
}

Tensor tensor_from_onnx(const onnx::TensorProto& p, const std::string& base_dir) {
  Shape shape(p.dims().begin(), p.dims().end());
  for (auto d : shape) STRATA_CHECK(d >= 0, "ONNX tensor '", p.name(), "': negative dimension in ", shape_str(shape));
  const std::int64_t n = shape_numel(shape);
  const std::string raw = raw_bytes(p, base_dir);
  const bool has_raw = p.has_raw_data() || p.data_location() == onnx::TensorProto::EXTERNAL;
  using TP = onnx::TensorProto;
  switch (p.data_type()) {
    case TP::FLOAT:
      return Tensor::from_vector(has_raw ? decode_raw<float, float>(raw, n, p) : decode_field<decltype(p.float_data()), float>(p.float_data(), n, p), shape);
    case TP::DOUBLE:
      return Tensor::from_vector(has_raw ? decode_raw<double, float>(raw, n, p) : decode_field<decltype(p.double_data()), float>(p.double_data(), n, p), shape);
    case TP::FLOAT16: {
      if (has_raw) return Tensor::from_vector(decode_raw<std::uint16_t, float>(raw, n, p), shape);
      std::vector<float> out;
      for (auto v : decode_field<decltype(p.int32_data()), std::int32_t>(p.int32_data(), n, p))
        out.push_back(half_to_float(static_cast<std::uint16_t>(v)));
      return Tensor::from_vector(out, shape);
    }
    case TP::INT64:
      return Tensor::from_vector(has_raw ? decode_raw<std::int64_t, std::int64_t>(raw, n, p) : decode_field<decltype(p.int64_data()), std::int64_t>(p.int64_data(), n, p), shape);
    case TP::INT32:
      return Tensor::from_vector(has_raw ? decode_raw<std::int32_t, std::int64_t>(raw, n, p) : decode_field<decltype(p.int32_data()), std::int64_t>(p.int32_data(), n, p), shape);
    case TP::INT8:
      return Tensor::from_vector(has_raw ? decode_raw<std::int8_t, std::int64_t>(raw, n, p) : decode_field<decltype(p.int32_data()), std::int64_t>(p.int32_data(), n, p), shape);
    case TP::UINT8:
    case TP::BOOL:
      return Tensor::from_vector(has_raw ? decode_raw<std::uint8_t, std::int64_t>(raw, n, p) : decode_field<decltype(p.int32_data()), std::int64_t>(p.int32_data(), n, p), shape);
    default:
      throw Error(detail::concat("ONNX tensor '", p.name(), "': element type ",
                                 onnx::TensorProto::DataType_Name(static_cast<TP::DataType>(p.data_type())),
                                 " is not supported (float, float16, double, int8/32/64, uint8 and bool are)"));
  }
}

onnx::TensorProto tensor_to_onnx(const Tensor& tensor, const std::string& name) {
  onnx::TensorProto p;
  p.set_name(name);
  for (auto d : tensor.shape()) p.add_dims(d);
  const Tensor c = tensor.contiguous();
  if (c.dtype() == DType::i64) {
    p.set_data_type(onnx::TensorProto::INT64);
    p.set_raw_data(std::string(static_cast<const char*>(c.raw_data()), c.numel() * 8));
  } else {
    const Tensor f = c.to(DType::f32).contiguous();
    p.set_data_type(onnx::TensorProto::FLOAT);
    p.set_raw_data(std::string(static_cast<const char*>(f.raw_data()), f.numel() * 4));
  }
  return p;
}

std::string read_file_bytes(const std::string& path, const std::string& who) {
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in, who, ": cannot open ", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

onnx::TensorProto read_tensor_proto(const std::string& path) {
  onnx::TensorProto p;
  STRATA_CHECK(p.ParseFromString(read_file_bytes(path, "ONNX tensor")), path, ": not a serialized ONNX TensorProto");
  return p;
}

}  // namespace strata::interop
