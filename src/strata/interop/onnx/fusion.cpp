#include "strata/interop/onnx/fusion.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <set>

#include "strata/interop/onnx_tensor.h"

namespace strata::interop::onnx_importer {
namespace {

// Who produces and who reads each tensor, and the one-element constants.
struct GraphIndex {
  std::map<std::string, double> scalars;
  std::map<std::string, int> producer;
  std::map<std::string, std::vector<int>> consumers;
  std::set<std::string> outputs;
};

bool one_float_element(const onnx::TensorProto& t) {
  std::int64_t n = 1;
  for (auto d : t.dims()) n *= d;
  return n == 1 && (t.data_type() == onnx::TensorProto::FLOAT || t.data_type() == onnx::TensorProto::DOUBLE ||
                    t.data_type() == onnx::TensorProto::FLOAT16);
}

GraphIndex index_graph(const onnx::GraphProto& g, const std::string& base_dir) {
  GraphIndex ix;
  for (const auto& t : g.initializer())
    if (one_float_element(t)) ix.scalars[t.name()] = tensor_from_onnx(t, base_dir).to(DType::f64).item();
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    for (const auto& o : n.output()) ix.producer[o] = i;
    for (const auto& in : n.input()) ix.consumers[in].push_back(i);
    if (n.op_type() == "Constant" && n.output_size() == 1)
      for (const auto& a : n.attribute()) {
        if (a.name() == "value" && one_float_element(a.t()))
          ix.scalars[n.output(0)] = tensor_from_onnx(a.t(), base_dir).to(DType::f64).item();
        if (a.name() == "value_float") ix.scalars[n.output(0)] = a.f();
      }
  }
  for (const auto& o : g.output()) ix.outputs.insert(o.name());
  return ix;
}

bool is_scalar(const GraphIndex& ix, const std::string& name, double value) {
  const auto it = ix.scalars.find(name);
  return it != ix.scalars.end() && std::abs(it->second - value) <= 1e-5 * std::abs(value);
}

// The one node that reads `name` (which is no graph output), or -1.
int sole_reader(const GraphIndex& ix, const std::string& name) {
  if (ix.outputs.count(name)) return -1;
  const auto it = ix.consumers.find(name);
  return it != ix.consumers.end() && it->second.size() == 1 ? it->second[0] : -1;
}

// For a binary `op` node with the constant `value` as an operand: the other operand, else "".
std::string operand_beside(const GraphIndex& ix, const onnx::NodeProto& n, const std::string& op, double value,
                           bool commutative) {
  if (n.op_type() != op || n.input_size() != 2) return "";
  if (is_scalar(ix, n.input(1), value)) return n.input(0);
  if (commutative && is_scalar(ix, n.input(0), value)) return n.input(1);
  return "";
}

std::string other_input(const onnx::NodeProto& n, const std::string& one) {
  if (n.input_size() != 2) return "";
  return n.input(0) == one ? n.input(1) : n.input(1) == one ? n.input(0) : "";
}

struct Match {
  std::string x, output;
  std::vector<int> members;
};

// The GELU pattern around the Erf node `e`, if it is one.
bool match_gelu(const onnx::GraphProto& g, const GraphIndex& ix, int e, Match& m) {
  const auto& erf = g.node(e);
  if (erf.op_type() != "Erf" || erf.input_size() != 1) return false;
  const auto p = ix.producer.find(erf.input(0));
  if (p == ix.producer.end() || sole_reader(ix, erf.input(0)) != e) return false;
  const auto& scale = g.node(p->second);
  m.x = operand_beside(ix, scale, "Div", std::numbers::sqrt2, false);
  if (m.x.empty()) m.x = operand_beside(ix, scale, "Mul", 1.0 / std::numbers::sqrt2, true);
  const int a = sole_reader(ix, erf.output(0));
  if (m.x.empty() || a < 0 || operand_beside(ix, g.node(a), "Add", 1.0, true) != erf.output(0)) return false;
  const std::string& one_plus = g.node(a).output(0);
  const int m1 = sole_reader(ix, one_plus);
  if (m1 < 0 || g.node(m1).op_type() != "Mul") return false;
  const std::string partner = other_input(g.node(m1), one_plus);
  m.members = {p->second, e, a, m1};
  if (partner == m.x || is_scalar(ix, partner, 0.5)) {
    // (x * (1 + erf)) * 0.5, or ((1 + erf) * 0.5) * x
    const int m2 = sole_reader(ix, g.node(m1).output(0));
    if (m2 < 0 || g.node(m2).op_type() != "Mul") return false;
    const std::string last = other_input(g.node(m2), g.node(m1).output(0));
    if (partner == m.x ? !is_scalar(ix, last, 0.5) : last != m.x) return false;
    m.members.push_back(m2);
    m.output = g.node(m2).output(0);
    return true;
  }
  // (x * 0.5) * (1 + erf)
  const auto h = ix.producer.find(partner);
  if (h == ix.producer.end() || sole_reader(ix, partner) != m1 ||
      operand_beside(ix, g.node(h->second), "Mul", 0.5, true) != m.x)
    return false;
  m.members.push_back(h->second);
  m.output = g.node(m1).output(0);
  return true;
}

}  // namespace

std::vector<onnx::NodeProto> fuse_decomposed_gelu(const onnx::GraphProto& g, const std::string& base_dir) {
  const GraphIndex ix = index_graph(g, base_dir);
  std::set<int> fused;
  std::map<int, onnx::NodeProto> replacement;  // at the position of a pattern's last node
  for (int e = 0; e < g.node_size(); ++e) {
    Match m;
    if (!match_gelu(g, ix, e, m)) continue;
    if (std::any_of(m.members.begin(), m.members.end(), [&](int i) { return fused.count(i); })) continue;
    onnx::NodeProto gelu;
    gelu.set_op_type("Gelu");
    gelu.set_name(g.node(e).name().empty() ? "gelu_" + std::to_string(e) : g.node(e).name() + "_gelu");
    gelu.add_input(m.x);
    gelu.add_output(m.output);
    fused.insert(m.members.begin(), m.members.end());
    replacement[*std::max_element(m.members.begin(), m.members.end())] = gelu;
  }
  std::vector<onnx::NodeProto> nodes;
  nodes.reserve(static_cast<std::size_t>(g.node_size()));
  for (int i = 0; i < g.node_size(); ++i) {
    if (const auto r = replacement.find(i); r != replacement.end()) nodes.push_back(r->second);
    else if (!fused.count(i)) nodes.push_back(g.node(i));
  }
  return nodes;
}

}  // namespace strata::interop::onnx_importer
