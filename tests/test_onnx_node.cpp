// ONNX's backend node tests (Debian's libonnx-testdata): every single-node test of an op the
// importer supports is imported, run on its inputs and compared with its outputs at ONNX's
// tolerances (rtol 1e-3, atol 1e-7). Tests that cannot pass are listed with the reason in
// onnx_node_expected_failures.txt; this test fails on an unlisted failure and on a listed
// test that passes (so the list stays true). The per-op pass counts are printed.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "strata/interop/onnx_import.h"
#include "strata/interop/onnx_tensor.h"
#include "test_helpers.h"

namespace fs = std::filesystem;
using namespace strata;

namespace {

const char* kNodeTests = "/usr/share/libonnx-testdata/data/node";

const std::set<std::string> kSupportedOps = {
    "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization", "Relu", "LeakyRelu",
    "PRelu", "Elu", "Selu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Softplus", "Softmax", "LogSoftmax", "Clip",
    "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Sum", "Concat", "Flatten", "Reshape", "Transpose", "Squeeze",
    "Unsqueeze", "Pad", "Identity", "Dropout", "Constant", "Shape", "Gather", "Slice", "ReduceMean", "Resize",
    "Upsample", "LSTM", "GRU", "RNN", "LayerNormalization", "ConvTranspose", "InstanceNormalization"};
// Ops whose outputs after the first are optional training outputs (LayerNormalization's Mean
// and InvStdDev): the test keeps the first output, the one inference models use, and checks it.
const std::set<std::string> kFirstOutputOnly = {"LayerNormalization"};
// Ops whose every input is data; for the others, inputs after the first are arguments
// (shapes, bounds, weights) and are fixed as constants, as a real model's initializers are.
const std::set<std::string> kAllInputsAreData = {"Add", "Sub", "Mul", "Div", "Sum", "Concat", "MatMul"};

onnx::ModelProto read_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  onnx::ModelProto m;
  m.ParseFromIstream(&in);
  return m;
}

struct Outcome {
  bool passed = false;
  std::string detail;
};

// Imports with ONNX axis 0 as the batch axis, else as one example with a batch axis added.
Outcome run_node_test(const fs::path& dir, const onnx::ModelProto& original) {
  onnx::ModelProto model = original;
  fs::path model_path = dir / "model.onnx";
  if (kFirstOutputOnly.count(model.graph().node(0).op_type()) && model.graph().output_size() > 1) {
    auto* g = model.mutable_graph();
    g->mutable_output()->DeleteSubrange(1, g->output_size() - 1);
    auto* outputs = g->mutable_node(0)->mutable_output();
    outputs->DeleteSubrange(1, outputs->size() - 1);
    model_path = fs::temp_directory_path() / ("strata_node_" + dir.filename().string() + ".onnx");
    std::ofstream out(model_path, std::ios::binary);
    model.SerializeToOstream(&out);
  }
  // The trimmed copy goes when the test does, whichever way it returns.
  struct RemoveCopy {
    fs::path path;
    ~RemoveCopy() {
      std::error_code ignored;
      if (!path.empty()) fs::remove(path, ignored);
    }
  } remove_copy{model_path.parent_path() == dir ? fs::path() : model_path};
  const auto& graph = model.graph();
  const std::string op = graph.node(0).op_type();
  std::set<std::string> initializers;
  for (const auto& t : graph.initializer()) initializers.insert(t.name());
  std::vector<std::string> inputs;
  for (const auto& vi : graph.input())
    if (!initializers.count(vi.name())) inputs.push_back(vi.name());
  for (const auto& vi : graph.input())
    if (!vi.type().has_tensor_type()) return {false, "input '" + vi.name() + "' is a sequence or optional, not a tensor"};
  const fs::path data = dir / "test_data_set_0";
  interop::OnnxImportOptions bound;
  std::vector<Tensor> feeds;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Tensor t = interop::tensor_from_onnx(interop::read_tensor_proto((data / ("input_" + std::to_string(i) + ".pb")).string()));
    if (i > 0 && !kAllInputsAreData.count(op))
      bound.constant_inputs[inputs[i]] = t;
    else
      feeds.push_back(t);
  }
  std::vector<Tensor> expected;  // every graph output
  for (int k = 0; k < graph.output_size(); ++k)
    expected.push_back(interop::tensor_from_onnx(interop::read_tensor_proto((data / ("output_" + std::to_string(k) + ".pb")).string())));

  std::string errors;
  for (bool leading : {true, false}) {
    try {
      interop::OnnxImportOptions options = bound;
      options.leading_batch_axis = leading;
      auto m = interop::import_onnx(model_path.string(), options);
      std::vector<Variable> args;
      for (const auto& f : feeds) {
        Tensor x = f.dtype() == DType::f32 ? f : f.to(DType::f32);
        args.emplace_back(leading ? x : x.unsqueeze(0));
      }
      const std::vector<Variable> outputs = m->call_outputs(args, false);
      if (outputs.size() != expected.size())
        return {false, std::to_string(outputs.size()) + " outputs, expected " + std::to_string(expected.size())};
      for (std::size_t k = 0; k < outputs.size(); ++k) {
        Tensor y = outputs[k].value();
        if (!leading) y = y.squeeze(0);
        const std::string which = expected.size() > 1 ? "output " + std::to_string(k) + ": " : "";
        if (y.shape() != expected[k].shape())
          return {false, which + "output shape " + shape_str(y.shape()) + ", expected " + shape_str(expected[k].shape())};
        const auto got = y.to(DType::f64).contiguous().to_vector<double>();
        const auto want = expected[k].to(DType::f64).contiguous().to_vector<double>();
        for (std::size_t i = 0; i < got.size(); ++i)
          if (!(std::abs(got[i] - want[i]) <= 1e-7 + 1e-3 * std::abs(want[i])))
            return {false, which + "element " + std::to_string(i) + " is " + std::to_string(got[i]) + ", expected " +
                               std::to_string(want[i])};
      }
      return {true, leading ? "batch axis 0" : "one example"};
    } catch (const std::exception& e) {
      errors += std::string(leading ? "[batch axis 0] " : " [one example] ") + e.what();
    }
  }
  return {false, errors};
}

std::map<std::string, std::string> expected_failures() {
  std::map<std::string, std::string> out;
  std::ifstream in(std::string(STRATA_TEST_DATA_DIR) + "/onnx_node_expected_failures.txt");
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.find(' ');
    out[line.substr(0, space)] = space == std::string::npos ? "" : line.substr(space + 1);
  }
  return out;
}

}  // namespace

TEST(OnnxNodeTests, EverySupportedOpPassesOrIsExplained) {
  if (!fs::exists(kNodeTests)) GTEST_SKIP() << "libonnx-testdata is not installed (scripts/install-deps.sh installs it)";
  const auto explained = expected_failures();
  std::map<std::string, std::array<int, 3>> per_op;  // passed, explained failures, total
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(kNodeTests)) dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end());
  int seen = 0;
  for (const auto& dir : dirs) {
    const auto model = read_model((dir / "model.onnx").string());
    if (model.graph().node_size() != 1 || !kSupportedOps.count(model.graph().node(0).op_type())) continue;
    const std::string name = dir.filename().string(), op = model.graph().node(0).op_type();
    ++seen;
    const Outcome outcome = run_node_test(dir, model);
    auto& counts = per_op[op];
    ++counts[2];
    const bool listed = explained.count(name) > 0;
    if (outcome.passed) {
      ++counts[0];
      EXPECT_FALSE(listed) << name << " passes but is listed as an expected failure (" << explained.at(name) << ")";
    } else {
      counts[1] += listed;
      EXPECT_TRUE(listed) << name << " (" << op << ") fails: " << outcome.detail;
    }
  }
  EXPECT_GT(seen, 200) << "expected the node tests of ONNX 1.12";
  std::ostringstream table;
  int passed = 0, total = 0;
  table << "ONNX node tests per op (passed / total; the rest explained in onnx_node_expected_failures.txt)\n";
  for (const auto& [op, c] : per_op) {
    table << "  " << std::left << std::setw(24) << op << c[0] << " / " << c[2] << "\n";
    passed += c[0];
    total += c[2];
  }
  table << "  all                     " << passed << " / " << total << "\n";
  std::cout << table.str();
}
