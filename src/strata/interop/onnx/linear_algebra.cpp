// ONNX import and export: Gemm, MatMul, element-wise arithmetic, Sum.
#include "strata/interop/onnx/exporter.h"
#include "strata/interop/onnx/importer.h"

#include <cmath>

namespace strata::interop::onnx_importer {

void Importer::gemm(const NodeProto& n) {
  const double alpha = attr_float(n, "alpha", 1.0), beta = attr_float(n, "beta", 1.0);
  const bool trans_a = attr_int(n, "transA", 0) != 0, trans_b = attr_int(n, "transB", 0) != 0;
  SymbolicTensor a = sym_in(n, 0);
  if (trans_a) {
    if (leading_) unsupported("transA=1 transposes the batch axis");
    a = add_layer(n, std::make_shared<nn::Permute>(std::vector<std::int64_t>{2, 1}), {a}, {}, "_transpose_a");
  }
  const Value& bv = in(n, 1);
  SymbolicTensor y;
  bool bias_done = !has_input(n, 2);
  if (bv.constant.defined()) {
    Tensor b = bv.constant.to(DType::f32);
    if (trans_b) b = b.t().contiguous();
    const std::int64_t units = b.size(1);
    std::map<std::string, Tensor> weights{{"kernel", alpha == 1.0 ? b : b * alpha}};
    bool use_bias = false;
    if (has_input(n, 2) && in(n, 2).constant.defined()) {
      const Tensor c = in(n, 2).constant.to(DType::f32);
      if (c.numel() == units && (c.dim() == 1 || (c.dim() == 2 && c.size(0) == 1))) {
        weights["bias"] = (beta == 1.0 ? c : c * beta).reshape({units});
        use_bias = bias_done = true;
      } else if (c.numel() == 1) {
        weights["bias"] = Tensor::full({units}, c.to(DType::f64).item() * beta);
        use_bias = bias_done = true;
      }
    }
    y = add_layer(n, std::make_shared<nn::Dense>(nn::DenseOptions(units).use_bias(use_bias)), {a}, weights);
  } else {
    SymbolicTensor b = sym_in(n, 1);
    if (trans_b) b = add_layer(n, std::make_shared<nn::Permute>(std::vector<std::int64_t>{2, 1}), {b}, {}, "_transpose_b");
    y = add_layer(n, std::make_shared<nn::MatMul>(), {a, b});
    if (alpha != 1.0)
      y = add_layer(n, std::make_shared<nn::ConstantArithmetic>("multiply", Shape{}), {y}, {{"constant", Tensor::scalar(alpha)}}, "_alpha");
  }
  if (!bias_done) {
    const Value& cv = in(n, 2);
    if (cv.constant.defined()) {
      const Tensor c = cv.constant.to(DType::f32) * beta;
      y = add_layer(n, std::make_shared<nn::ConstantArithmetic>("add", c.shape()), {y}, {{"constant", c}}, "_bias");
    } else {
      SymbolicTensor c = sym_in(n, 2);
      if (beta != 1.0)
        c = add_layer(n, std::make_shared<nn::ConstantArithmetic>("multiply", Shape{}), {c}, {{"constant", Tensor::scalar(beta)}}, "_beta");
      y = add_layer(n, std::make_shared<nn::Arithmetic>("add"), {y, c}, {}, "_bias");
    }
  }
  set_symbol(n, y);
}

void Importer::matmul(const NodeProto& n) {
  const Value& bv = in(n, 1);
  const SymbolicTensor a = sym_in(n, 0);
  if (bv.constant.defined() && bv.constant.dim() == 2) {
    const Tensor b = bv.constant.to(DType::f32);
    set_symbol(n, add_layer(n, std::make_shared<nn::Dense>(nn::DenseOptions(b.size(1)).use_bias(false)), {a}, {{"kernel", b}}));
    return;
  }
  if (onnx_rank(in(n, 0)) < 2 || onnx_rank(bv) < 2) unsupported("MatMul of a 1-D operand");
  set_symbol(n, add_layer(n, std::make_shared<nn::MatMul>(), {a, sym_in(n, 1)}));
}

// Shape arithmetic (sizes, slice bounds) on int64 constants, exactly and with ONNX's integer
// Div (truncation): the float path would round 98 / 3 to 33 where a chunk's size is 32.
bool Importer::integer_arithmetic(const NodeProto& n, const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined() || a.dtype() != DType::i64 || b.dtype() != DType::i64) return false;
  if (a.shape() != b.shape() && a.numel() != 1 && b.numel() != 1) return false;
  const auto x = a.contiguous().to_vector<std::int64_t>(), y = b.contiguous().to_vector<std::int64_t>();
  const std::size_t count = std::max(x.size(), y.size());
  std::vector<std::int64_t> out(count);
  const std::string& op = n.op_type();
  for (std::size_t i = 0; i < count; ++i) {
    const std::int64_t u = x[x.size() == 1 ? 0 : i], v = y[y.size() == 1 ? 0 : i];
    if (op == "Div" && v == 0) unsupported("integer division by zero");
    out[i] = op == "Add" ? u + v : op == "Sub" ? u - v : op == "Mul" ? u * v : u / v;
  }
  set_constant(n, Tensor::from_vector(out, a.numel() >= b.numel() ? a.shape() : b.shape()));
  return true;
}

void Importer::binary(const NodeProto& n) {
  static const std::map<std::string, std::string> names{
      {"Add", "add"}, {"Sub", "subtract"}, {"Mul", "multiply"}, {"Div", "divide"}};
  const std::string op = names.at(n.op_type());
  if (attr(n, "broadcast") && attr_int(n, "broadcast", 0) != 0 && attr(n, "axis"))
    unsupported("attribute axis (legacy broadcasting) is not supported");
  const Value &a = in(n, 0), &b = in(n, 1);
  if (folding_ && integer_arithmetic(n, a.constant, b.constant)) return;
  if (a.constant.defined() != b.constant.defined() && !folding_) {
    const bool first = a.constant.defined();
    Tensor c = (first ? a : b).constant.to(DType::f32);
    const SymbolicTensor x = sym_in(n, first ? 1 : 0);
    // Drop leading 1s the example does not have, so the constant broadcasts per example.
    const std::size_t full_rank = x.shape().size() + 1;
    Shape cs = c.shape();
    while (cs.size() > full_rank && cs.front() == 1) cs.erase(cs.begin());
    if (!leading_ && cs.size() == full_rank) unsupported("constant ", shape_str(c.shape()), " has more axes than the tensor");
    c = c.reshape(cs);
    set_symbol(n, add_layer(n, std::make_shared<nn::ConstantArithmetic>(op, cs, first), {x}, {{"constant", c}}));
    return;
  }
  const SymbolicTensor x = sym_in(n, 0), y = sym_in(n, 1);
  if (leading_ && onnx_rank(a) != onnx_rank(b)) unsupported("operands of different rank (", onnx_rank(a), " and ", onnx_rank(b), ") with a batch axis");
  nn::LayerPtr layer;
  if (x.shape() == y.shape() && op == "add") layer = std::make_shared<nn::Add>();
  else if (x.shape() == y.shape() && op == "multiply") layer = std::make_shared<nn::Multiply>();
  else layer = std::make_shared<nn::Arithmetic>(op);
  set_symbol(n, add_layer(n, layer, {x, y}));
}

void Importer::sum(const NodeProto& n) {
  SymbolicTensor y = sym_in(n, 0);
  for (int i = 1; i < n.input_size(); ++i) {
    if (leading_ && onnx_rank(in(n, i)) != onnx_rank(in(n, 0))) unsupported("operands of different rank with a batch axis");
    const SymbolicTensor x = sym_in(n, i);
    nn::LayerPtr layer = x.shape() == y.shape() ? nn::LayerPtr(std::make_shared<nn::Add>()) : std::make_shared<nn::Arithmetic>("add");
    y = add_layer(n, layer, {y, x}, {}, i == 1 ? "" : "_" + std::to_string(i));
  }
  set_symbol(n, y);
}

// ------------------------------------------------------------------ shape manipulation

}  // namespace strata::interop::onnx_importer

// ---------------------------------------------------------------- export

namespace strata::interop::onnx_exporter {

std::string Exporter::export_linear_algebra(const LayerCall& call) {
  const auto& [l, type, name, c, in, shapes] = call;
  const std::string& x = in.at(0);
  if (type == "Dense") {
    const Tensor k = weight(l, "kernel"), b = weight(l, "bias");
    const std::string act = c.value("activation", std::string());
    const std::string out = act.empty() || act == "linear" ? name : unique(name + "/linear");
    if (shapes[0].size() == 1) {
      std::vector<std::string> args{x, constant(name + "/kernel", k)};
      if (b.defined()) args.push_back(constant(name + "/bias", b));
      node("Gemm", args, out);
    } else {
      const std::string mm = node("MatMul", {x, constant(name + "/kernel", k)}, b.defined() ? unique(name + "/matmul") : out).output(0);
      if (b.defined()) node("Add", {mm, constant(name + "/bias", b)}, out);
    }
    return out == name ? out : activation(act, out, name);
  }
  if (type == "Add" || type == "Multiply") {
    std::string acc = in[0];
    for (std::size_t i = 1; i < in.size(); ++i)
      acc = node(type == "Add" ? "Add" : "Mul", {acc, in[i]}, i + 1 == in.size() ? name : unique(name + "/partial")).output(0);
    return acc;
  }
  static const std::map<std::string, std::string> arithmetic{
      {"add", "Add"}, {"subtract", "Sub"}, {"multiply", "Mul"}, {"divide", "Div"}};
  if (type == "Arithmetic") {
    if (shapes[0].size() != shapes[1].size()) throw Unsupported("Arithmetic on inputs of different rank");
    return node(arithmetic.at(c.at("op")), {in[0], in[1]}, name).output(0);
  }
  if (type == "ConstantArithmetic") {
    const std::string k = constant(name + "/constant", weight(l, "constant"));
    const bool first = c.value("constant_first", false);
    return node(arithmetic.at(c.at("op")), first ? std::vector<std::string>{k, x} : std::vector<std::string>{x, k}, name).output(0);
  }
  if (type == "MatMul") {
    if (shapes[0].size() != shapes[1].size()) throw Unsupported("MatMul on inputs of different rank");
    return node("MatMul", {in[0], in[1]}, name).output(0);
  }
  throw Unsupported("no ONNX export for this layer type");
}

}  // namespace strata::interop::onnx_exporter
