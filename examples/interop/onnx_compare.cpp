// Imports an ONNX file, runs it on an input tensor (.npy) and compares with the expected
// output (.npy): prints the relative error max|y - expected| / max|expected| and exits 1 when
// it is not below the tolerance.   usage: strata_onnx_compare MODEL.onnx INPUT.npy EXPECTED.npy [--tolerance 1e-4]
#include <CLI/CLI.hpp>
#include <cstdio>

#include "strata/interop/onnx_import.h"
#include "strata/io/npy.h"
#include "strata/tensor/math.h"

int main(int argc, char** argv) {
  CLI::App app("Compare an imported ONNX model's output with a reference");
  std::string model_path, input_path, expected_path;
  double tolerance = 1e-4;
  app.add_option("model", model_path)->required()->check(CLI::ExistingFile);
  app.add_option("input", input_path)->required()->check(CLI::ExistingFile);
  app.add_option("expected", expected_path)->required()->check(CLI::ExistingFile);
  app.add_option("--tolerance", tolerance)->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    using namespace strata;
    auto model = interop::import_onnx(model_path);
    const Tensor x = io::read_npy(input_path), expected = io::read_npy(expected_path);
    const Tensor y = model->call({Variable(x)}, false).value().reshape(expected.shape());
    const double error = max_abs_diff(y, expected) / max_abs_diff(expected, Tensor::zeros(expected.shape()));
    const bool ok = error < tolerance;
    std::printf("%s: %zu layers, %lld parameters; relative error %.2e (%s %.0e)\n", model_path.c_str(),
                model->layers().size(), static_cast<long long>(model->count_params()), error, ok ? "<" : "NOT <", tolerance);
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
