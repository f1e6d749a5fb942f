// The ONNX importer's core, shared by the op families (onnx_import.h is the public API): the
// values the graph computes or knows as constants, attribute and shape helpers, add_layer, the
// op table and the run loop (importer.cpp); one file per op family defines its handlers:
// conv_pool.cpp (Conv, pooling, BatchNormalization, Resize), activations.cpp, linear_algebra.cpp
// (Gemm, MatMul, element-wise arithmetic), shape_ops.cpp (reshapes, slices, constants, casts)
// and recurrent.cpp (LSTM, GRU, RNN). A handler turns a node into Strata layers; it is written
// once for graph tensors and also folds constants (a node whose inputs are all constants runs
// through a temporary graph at import time).
#pragma once

#include <onnx/onnx_pb.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "strata/interop/onnx_import.h"
#include "strata/interop/onnx_tensor.h"
#include "strata/nn/layers.h"
#include "strata/tensor/math.h"

namespace strata::interop::onnx_importer {

using nn::SymbolicTensor;
using onnx::NodeProto;

// A node the importer cannot represent exactly; collected, then reported all at once.
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};
template <class... Parts>
[[noreturn]] void unsupported(const Parts&... parts) {
  throw Unsupported(detail::concat(parts...));
}

struct Value {
  Tensor constant;        // defined when the value is known at import time
  SymbolicTensor symbol;  // defined for values computed by the network
  std::string unavailable;  // why an output cannot be used (e.g. a Dropout mask)
};

inline std::string sanitize(const std::string& name) {
  std::string out;
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ? c : '_';
  return out;
}

// The window attributes of Conv, ConvTranspose and the pools, checked against the spatial rank:
// pads [b_1..b_n, e_1..e_n].
struct WindowAttributes {
  std::vector<std::int64_t> strides, dilations, pads;
  std::string auto_pad;
};

class Importer {
 public:
  Importer(const onnx::ModelProto& model, const OnnxImportOptions& options, std::string base_dir)
      : model_(model), options_(options), base_dir_(std::move(base_dir)), leading_(options.leading_batch_axis) {}

  std::shared_ptr<models::Model> run();

 private:
  using Handler = void (Importer::*)(const NodeProto&);
  struct OpSpec {
    Handler handler;
    std::vector<std::string> attributes;  // the attributes the handler understands
  };
  static const std::map<std::string, OpSpec>& ops();

  // ---- values ----
  bool has_input(const NodeProto& n, int i) const { return i < n.input_size() && !n.input(i).empty(); }
  const Value& value(const std::string& name) const;
  const Value& in(const NodeProto& n, int i) const;
  Tensor const_in(const NodeProto& n, int i, const char* what) const;
  std::vector<std::int64_t> const_ints(const NodeProto& n, int i, const char* what) const;
  SymbolicTensor sym_in(const NodeProto& n, int i);
  void set_output(const NodeProto& n, int i, Value v) { values_[n.output(i)] = std::move(v); }
  void set_symbol(const NodeProto& n, const SymbolicTensor& s) { set_output(n, 0, Value{Tensor(), s, ""}); }
  void set_constant(const NodeProto& n, const Tensor& t) { set_output(n, 0, Value{t, SymbolicTensor(), ""}); }

  // ---- attributes ----
  const onnx::AttributeProto* attr(const NodeProto& n, const std::string& name) const;
  std::int64_t attr_int(const NodeProto& n, const std::string& name, std::int64_t def) const;
  double attr_float(const NodeProto& n, const std::string& name, double def) const;
  std::vector<std::int64_t> attr_ints(const NodeProto& n, const std::string& name, std::vector<std::int64_t> def = {}) const;
  std::vector<double> attr_floats(const NodeProto& n, const std::string& name) const;
  std::string attr_string(const NodeProto& n, const std::string& name, const std::string& def) const;

  // ---- shapes and axes ----
  // The ONNX-level shape (with the batch axis in leading mode; its size as declared, or 1).
  Shape onnx_shape(const Value& v) const;
  std::int64_t onnx_rank(const Value& v) const { return static_cast<std::int64_t>(onnx_shape(v).size()); }
  // ONNX axis -> full Strata axis (batch = 0); refuses the batch axis in leading mode.
  std::int64_t full_axis(std::int64_t axis, std::int64_t rank, const char* what) const;
  // ONNX shape -> the per-example shape a Strata layer sees.
  Shape example_shape(const Shape& onnx, const char* what) const;
  void require_leading(const char* what) const {
    if (!leading_) unsupported(what, " needs ONNX axis 0 to be the batch axis");
  }

  // ---- layers ----
  std::string layer_name(const NodeProto& n, const std::string& suffix = "");
  SymbolicTensor add_layer(const NodeProto& n, const nn::LayerPtr& layer, const std::vector<SymbolicTensor>& inputs,
                           const std::map<std::string, Tensor>& weights = {}, const std::string& suffix = "");
  SymbolicTensor reshape_to(const NodeProto& n, const SymbolicTensor& x, const Shape& onnx_target, const std::string& suffix = "");
  void import_node(const NodeProto& n);

  // ---- handlers ----
  // Reads strides, dilations, pads and auto_pad for `rank` spatial axes; with
  // pads_from_auto_pad, SAME_UPPER/SAME_LOWER become explicit pads for input (C, *spatial) `in`.
  WindowAttributes window_attributes(const NodeProto& n, std::size_t rank, bool pads_from_auto_pad,
                                     const std::vector<std::int64_t>& kernel, const Shape& in);
  void conv(const NodeProto& n);
  void conv_transpose(const NodeProto& n);
  void pool(const NodeProto& n);
  void global_pool(const NodeProto& n);
  void batch_norm(const NodeProto& n);
  void layer_norm(const NodeProto& n);
  void instance_norm(const NodeProto& n);
  void activation(const NodeProto& n);
  void clip(const NodeProto& n);
  void prelu(const NodeProto& n);
  void softmax(const NodeProto& n);
  void gemm(const NodeProto& n);
  void matmul(const NodeProto& n);
  void binary(const NodeProto& n);
  bool integer_arithmetic(const NodeProto& n, const Tensor& a, const Tensor& b);
  void sum(const NodeProto& n);
  void concat(const NodeProto& n);
  void flatten(const NodeProto& n);
  void reshape(const NodeProto& n);
  void transpose(const NodeProto& n);
  void squeeze(const NodeProto& n);
  void pad(const NodeProto& n);
  void identity(const NodeProto& n);
  void dropout(const NodeProto& n);
  void constant(const NodeProto& n);
  void shape(const NodeProto& n);
  void gather(const NodeProto& n);
  void slice(const NodeProto& n);
  void reduce_mean(const NodeProto& n);
  void resize(const NodeProto& n);
  void cast(const NodeProto& n);
  void recurrent(const NodeProto& n);

  const onnx::ModelProto& model_;
  const OnnxImportOptions& options_;
  std::string base_dir_;
  bool leading_;
  std::int64_t opset_ = 0;
  std::int64_t declared_batch_ = 1;
  std::map<std::string, Value> values_;
  std::set<std::string> failed_;  // outputs of nodes that could not be imported
  std::set<std::string> consumed_;  // names some node or the graph output reads
  std::set<std::string> index_inputs_;  // integer graph inputs: indices, read only by Gather (an embedding)
  std::vector<std::string> problems_;
  std::set<std::string> used_names_;
  // Constant folding: graph inputs stood in for constants while a node runs on them.
  bool folding_ = false;
  std::vector<std::pair<SymbolicTensor, Tensor>> fold_inputs_;
};

}  // namespace strata::interop::onnx_importer
