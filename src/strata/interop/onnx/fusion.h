// Graph rewrites the ONNX importer runs before it imports node by node: patterns that an
// exporter writes as several primitive nodes become the one node Strata has a layer for.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

namespace strata::interop::onnx_importer {

// GELU as exporters write it before ONNX has a Gelu operator (opset 20): PyTorch's
// Div(x, sqrt 2) -> Erf -> Add 1 -> Mul x -> Mul 0.5 (and the orders that also multiply by 0.5
// or 1/sqrt 2) becomes one "Gelu" node, imported as the exact (erf) GELU activation. Nodes
// whose intermediate results are read elsewhere are left as they are. Returns the nodes in
// topological order (the fused node where the pattern's last node was).
std::vector<onnx::NodeProto> fuse_decomposed_gelu(const onnx::GraphProto& graph, const std::string& base_dir);

}  // namespace strata::interop::onnx_importer
