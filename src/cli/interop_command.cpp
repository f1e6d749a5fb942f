// `strata import` (ONNX, Keras 2 HDF5, Keras 3 .keras -> .strata) and `strata export` (.strata ->
// ONNX, Keras 3 .keras, Keras 2 .h5: chosen by the output's extension).
#include <cstdio>

#include "commands.h"
#include "deadline.h"
#include "strata/data/class_names.h"
#include "strata/data/image_preprocessing.h"
#include "strata/interop/keras_archive.h"
#include "strata/interop/keras_h5.h"
#include "strata/interop/onnx_export.h"
#include "strata/interop/onnx_import.h"
#include "strata/io/model_io.h"
#include "strata/nn/layers.h"

namespace strata::cli {
namespace {

// Whether the model ends in a softmax (probabilities) rather than logits.
bool ends_in_softmax(const models::Model& model) {
  const auto layers = model.layers();
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    const std::string type = (*it)->type();
    if (type == "Reshape" || type == "Flatten" || type == "Dropout") continue;  // shape-only layers
    if (type == "Softmax") return !dynamic_cast<const nn::Softmax&>(**it).is_log();
    const auto config = (*it)->config().at("config");
    return config.value("activation", std::string()) == "softmax";
  }
  return false;
}

}  // namespace

int run_import(const ImportOptions& o) {
  std::shared_ptr<models::Model> model;
  std::string format;
  const bool hdf5 = interop::is_hdf5_file(o.file), archive = interop::is_keras_archive(o.file);
  if (hdf5 || archive) {
    STRATA_CHECK(o.input_shape.empty() && !o.one_example, "import: --input-shape and --one-example apply to ONNX files only");
    const Deadline deadline("STRATA_IMPORT_TIMEOUT", 120,
                            "Keras import: reading '" + o.file + "' does not finish; the file is damaged");
    model = hdf5 ? interop::import_keras_h5(o.file) : interop::import_keras_archive(o.file);
    format = hdf5 ? "Keras HDF5" : "Keras 3";
  } else {
    interop::OnnxImportOptions options;
    options.leading_batch_axis = !o.one_example;
    if (!o.input_shape.empty()) {
      const auto inputs = interop::onnx_input_names(o.file);
      STRATA_CHECK(inputs.size() == 1, "import: --input-shape needs a graph with one input; '", o.file, "' has ",
                   inputs.size());
      options.input_shapes[inputs[0]] = o.input_shape;
    }
    model = interop::import_onnx(o.file, options);
    format = "ONNX";
  }
  nlohmann::json config = {{"loss", "sparse_categorical_crossentropy"},
                           {"from_logits", !ends_in_softmax(*model)},
                           {"metrics", {"accuracy"}},
                           {"imported_from", o.file}};
  if (!o.labels.empty()) config["class_names"] = data::read_class_names(o.labels);
  config["preprocessing"] = data::ImagePreprocessing::from_preset(o.preprocess.empty() ? "unit" : o.preprocess).to_json();
  ensure_parent_folder(o.output);
  io::save_model(o.output, *model, nullptr, config);
  std::printf("imported %s model '%s': %zu layers, %lld parameters, input %s, output %s%s\nwrote %s\n", format.c_str(),
              model->name().c_str(), model->layers().size(), static_cast<long long>(model->count_params()),
              shape_str(model->input_shape()).c_str(), shape_str(model->output_shape()).c_str(),
              config["from_logits"].get<bool>() ? " (logits)" : " (probabilities)", o.output.c_str());
  return 0;
}

namespace {
bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
}  // namespace

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

}  // namespace strata::cli
