// `strata export`: a .strata model as ONNX, a Keras 3 archive or a Keras 2 HDF5 file, chosen by
// the output's extension.
#include <cstdio>
#include <memory>

#include "command.h"
#include "strata/interop/keras_archive.h"
#include "strata/interop/keras_h5.h"
#include "strata/interop/onnx_export.h"
#include "strata/io/model_io.h"

namespace strata::cli {
namespace {

struct ExportOptions {
  std::string model;
  std::string output;  // .onnx, .keras or .h5/.hdf5
};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
int run_export(const std::string& model_path, const std::string& output) {
  std::string format;
  if (ends_with(output, ".onnx")) format = "ONNX opset 13";
  else if (ends_with(output, ".keras")) format = "Keras 3 archive";
  else if (ends_with(output, ".h5") || ends_with(output, ".hdf5")) format = "Keras 2 HDF5";
  STRATA_CHECK(!format.empty(), "export: cannot tell the format of '", output,
               "' from its extension; expected .onnx, .keras (Keras 3) or .h5/.hdf5 (Keras 2)");
  auto loaded = io::load_model(model_path);
  ensure_parent_folder(output);
  if (ends_with(output, ".onnx")) interop::export_onnx(*loaded.model, output);
  else if (ends_with(output, ".keras")) interop::export_keras_archive(*loaded.model, output);
  else interop::export_keras_h5(*loaded.model, output);
  std::printf("exported '%s' (%zu layers) to %s (%s)\n", loaded.model->name().c_str(), loaded.model->layers().size(),
              output.c_str(), format.c_str());
  return 0;
}

}  // namespace

void add_export(CLI::App& app, Run& selected) {
  auto [o, cmd] = add_command<ExportOptions>(
      app, selected, "export", "Write a .strata model as ONNX (opset 13), Keras 3 .keras or Keras 2 .h5",
      [](const ExportOptions& p) { return run_export(p.model, p.output); });
  cmd->add_option("model", o->model, "A .strata model file")->required();
  cmd->add_option("-o,--output", o->output, "The file to write: .onnx, .keras or .h5/.hdf5 (the extension picks the format)")->required();
}

}  // namespace strata::cli
