// `strata import`: an ONNX, Keras 3 .keras or Keras 2 HDF5 model as a .strata model (the format is
// recognised by the file's content), with class names and image preprocessing — or the tokenizer
// of a model that reads text — for `predict`.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "command.h"
#include "deadline.h"
#include "validators.h"
#include "strata/data/class_names.h"
#include "strata/data/image_preprocessing.h"
#include "strata/interop/keras_archive.h"
#include "strata/interop/keras_h5.h"
#include "strata/interop/onnx_import.h"
#include "strata/io/model_io.h"
#include "strata/nn/layers.h"
#include "strata/text/tokenizer.h"

namespace strata::cli {
namespace {

struct ImportOptions {
  std::string file;                 // .onnx, or a Keras .h5/.hdf5 (recognised by content)
  std::string output;               // the .strata model to write
  std::string labels;               // class names, one per line or "index,name, ..." lines
  std::string preprocess;           // unit, imagenet, caffe, inception, raw (default: unit)
  bool one_example = false;         // ONNX: the graph describes one example (no batch axis)
  std::vector<std::int64_t> input_shape;  // ONNX: per-example input shape override (C,H,W)
  std::string tokenizer;            // a model that reads text: its SentencePiece model
};

// A text model's tokenizer, saved beside `output` as <stem>.tokenizer.model (what the model file
// names); the model must take token ids [steps], the sequence length.
void add_tokenizer(const ImportOptions& o, const models::Model& model, io::ModelMetadata& metadata) {
  const Shape in = model.input_shape();
  STRATA_CHECK(in.size() == 1, "import --tokenizer: a model that reads text takes token ids [steps], but '", o.file,
               "' takes ", shape_str(in));
  STRATA_CHECK(o.preprocess.empty(), "import: --preprocess is for image models, not with --tokenizer");
  const std::filesystem::path output(o.output);
  metadata.tokenizer = output.stem().string() + ".tokenizer.model";
  metadata.sequence_length = in[0];
  const auto tokenizer = text::Tokenizer::load(o.tokenizer);
  ensure_parent_folder(o.output);
  tokenizer.save((output.parent_path() / metadata.tokenizer).string());
}

// Whether the model ends in a softmax (probabilities) rather than logits.
bool ends_in_softmax(const models::Model& model) {
  const auto layers = model.layers();
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    if (nn::is<nn::Reshape>(*it) || nn::is<nn::Flatten>(*it) || nn::is<nn::Dropout>(*it)) continue;  // shape-only layers
    if (const auto* softmax = nn::as<nn::Softmax>(*it)) return !softmax->is_log();
    const auto config = (*it)->config().at("config");
    return config.value("activation", std::string()) == "softmax";
  }
  return false;
}

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
  io::ModelMetadata metadata;
  metadata.from_logits = !ends_in_softmax(*model);
  metadata.imported_from = o.file;
  if (!o.labels.empty()) metadata.class_names = data::read_class_names(o.labels);
  if (o.tokenizer.empty())
    metadata.preprocessing = data::ImagePreprocessing::from_preset(o.preprocess.empty() ? "unit" : o.preprocess).to_json();
  if (!o.tokenizer.empty()) add_tokenizer(o, *model, metadata);
  ensure_parent_folder(o.output);
  nlohmann::json config = {{"loss", "sparse_categorical_crossentropy"}, {"from_logits", metadata.from_logits}, {"metrics", {"accuracy"}}};
  metadata.write_to(config);
  io::save_model(o.output, *model, nullptr, config);
  std::printf("imported %s model '%s': %zu layers, %lld parameters, input %s, output %s%s\nwrote %s\n", format.c_str(),
              model->name().c_str(), model->layers().size(), static_cast<long long>(model->count_params()),
              shape_str(model->input_shape()).c_str(), shape_str(model->output_shape()).c_str(),
              metadata.from_logits ? " (logits)" : " (probabilities)", o.output.c_str());
  return 0;
}

}  // namespace

void add_import(CLI::App& app, Run& selected) {
  auto [o, cmd] = add_command<ImportOptions>(
      app, selected, "import", "Convert an ONNX, Keras 3 .keras or Keras 2 HDF5 model to a .strata model",
      run_import);
  cmd->add_option("file", o->file, "A .onnx file, a Keras 3 .keras archive or a Keras 2 .h5/.hdf5 full-model file")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", o->output, "The .strata file to write")->required();
  cmd->add_option("--labels", o->labels, "Class names, one per line (or index,name lines)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--preprocess", o->preprocess,
                  "How predict prepares images: unit ([0,1]), imagenet (torchvision), caffe (BGR, mean 104/117/123), inception ([-1,1]), raw (0-255)")
      ->check(CLI::IsMember({"unit", "imagenet", "caffe", "inception", "raw"}));
  cmd->add_flag("--one-example", o->one_example,
                "ONNX: the graph describes one example (its axis 0 is not a batch axis)");
  cmd->add_option("--input-shape", o->input_shape, "ONNX: input shape without the batch axis, e.g. 3,96,96")
      ->delimiter(',');
  cmd->add_option("--tokenizer", o->tokenizer,
                  "A model that reads text: its SentencePiece tokenizer, saved beside the output for predict --text")
      ->check(CLI::ExistingFile);
}

}  // namespace strata::cli
