// ONNX TensorProto <-> Strata Tensor: every element type the importer meets (float, fp16,
// double, the integer types and bool), raw or typed storage, and external-data files.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "strata/tensor/tensor.h"

namespace strata::interop {

// Floating types become f32 tensors, integer and bool types i64. `base_dir` is where external
// data files are looked up (the model file's folder). Throws naming the tensor on bad data.
Tensor tensor_from_onnx(const onnx::TensorProto& proto, const std::string& base_dir = "");

// An f32 tensor as a FLOAT TensorProto (raw little-endian data), i64 as INT64.
onnx::TensorProto tensor_to_onnx(const Tensor& tensor, const std::string& name);

// The bytes of a file, for protobuf parsing; throws naming the file when it cannot be read.
std::string read_file_bytes(const std::string& path, const std::string& who);

// Reads a serialized TensorProto (the input_N.pb / output_N.pb files of ONNX's tests).
onnx::TensorProto read_tensor_proto(const std::string& path);

// IEEE half precision to float (all values: subnormals, infinities, NaN).
float half_to_float(std::uint16_t h);

}  // namespace strata::interop
