#include "strata/interop/keras_h5.h"

#include <map>
#include <nlohmann/json.hpp>

#include "strata/interop/hdf5_file.h"
#include "strata/interop/keras_archive.h"
#include "strata/interop/keras_export.h"
#include "strata/interop/keras_layers.h"
#include "strata/io/atomic_file.h"
#include "strata/io/json_text.h"
#include "strata/nn/layers.h"

namespace strata::interop {
namespace {

using Json = nlohmann::json;
using hdf5::Handle;

// Keras 2: the weights of every layer group listed in layer_names, through each group's
// weight_names ("conv2d_1_1/kernel:0" -> "kernel", ".../forward_lstm/lstm_cell/kernel:0" ->
// "forward/kernel"), in file order.
keras::ModelWeights read_keras2_weights(hid_t root, const std::string& what) {
  keras::ModelWeights out;
  for (const auto& layer : hdf5::read_strings(root, "layer_names", what)) {
    Handle group(H5Gopen2(root, layer.c_str(), H5P_DEFAULT), H5Gclose);
    STRATA_CHECK(group.ok(), what, ": layer group '", layer, "' listed in layer_names is missing");
    auto& weights = out[layer];
    if (!hdf5::has_attribute(group.get(), "weight_names")) continue;
    for (const auto& path : hdf5::read_strings(group.get(), "weight_names", what))
      weights.emplace_back(keras::strata_weight_name(path), hdf5::read_dataset(group.get(), path, what));
  }
  return out;
}

void load_keras2_weights(const hdf5::File& file, hid_t group, models::Model& model) {
  const std::string what = "Keras weights";
  const auto weights = read_keras2_weights(group, what);
  std::vector<std::string> problems;
  keras::WeightPlan plan;
  for (const auto& [layer_name, list] : weights) {
    if (list.empty()) continue;
    nn::LayerPtr layer;
    try {
      layer = model.get_layer(layer_name);
    } catch (const Error&) {
      problems.push_back("  no layer named '" + layer_name + "' in the model");
      continue;
    }
    std::map<std::string, nn::Weight*> by_name;
    for (nn::Weight* w : layer->weights()) by_name[w->name] = w;
    for (const auto& [wname, value] : list) {
      const auto it = by_name.find(wname);
      if (it == by_name.end()) {
        problems.push_back("  layer '" + layer_name + "' has no weight '" + wname + "'");
        continue;
      }
      Tensor converted = keras::to_strata_layout(wname, value);
      if (nn::is<nn::Dense>(layer) && wname == "kernel")
        if (const Shape chw = keras::flattened_input_of(model, layer_name); !chw.empty() && shape_numel(chw) == converted.size(0))
          converted = keras::dense_rows_to_channels_first(converted, chw);
      if (converted.shape() != it->second->variable.shape()) {
        problems.push_back("  '" + layer_name + "/" + wname + "': file " + shape_str(value.shape()) + ", model " +
                           shape_str(it->second->variable.shape()));
        continue;
      }
      plan.emplace_back(it->second, converted);
    }
  }
  keras::apply_weights(plan, problems, what, file.label());
}

}  // namespace

bool is_hdf5_file(const std::string& path) { return hdf5::is_hdf5_file(path); }

std::shared_ptr<models::Model> import_keras_h5(const std::string& path) {
  const std::string what = "Keras import";
  const hdf5::File file(path, what);
  STRATA_CHECK(hdf5::has_attribute(file.id(), "model_config"), what, ": '", path,
               "' is an HDF5 file but not a Keras model (no model_config attribute; a weights-only file loads into a "
               "model you build: load_keras_weights)");
  const std::vector<std::string> model_config = hdf5::read_strings(file.id(), "model_config", what);
  STRATA_CHECK(model_config.size() == 1, what, ": the model_config attribute of '", path, "' holds ",
               model_config.size(), " strings; expected one");
  const Json config = io::parse_json(model_config[0], what + ": the model_config of '" + path + "'");
  Handle weights(H5Gopen2(file.id(), "model_weights", H5P_DEFAULT), H5Gclose);
  STRATA_CHECK(weights.ok(), what, ": '", path, "' has no model_weights group");
  return keras::build_model(config, read_keras2_weights(weights.get(), what), what + ": '" + path + "'");
}

void load_keras_weights(const std::string& path, models::Model& model) {
  const hdf5::File file(path, "Keras weights");
  if (keras::is_keras3_weights(file)) return keras::load_keras3_weights(file, model);
  const bool full = hdf5::has_link(file.id(), "model_weights");
  Handle group(H5Gopen2(file.id(), full ? "model_weights" : "/", H5P_DEFAULT), H5Gclose);
  STRATA_CHECK(group.ok() && hdf5::has_attribute(group.get(), "layer_names"), "Keras weights: '", path,
               "' is not a Keras weights file (no layer_names attribute, no layers group)");
  load_keras2_weights(file, group.get(), model);
}

void export_keras_h5(models::Model& model, const std::string& path) {
  const auto exported = keras::describe(model, keras::Dialect::keras2, "Keras export");
  hdf5::Writer writer;
  writer.string_attribute(writer.root(), "model_config", exported.config.dump());
  writer.string_attribute(writer.root(), "keras_version", "2.15.0");
  writer.string_attribute(writer.root(), "backend", "tensorflow");
  const auto weights = writer.group(writer.root(), "model_weights");
  std::vector<std::string> layer_names;
  for (const auto& layer : exported.layers) {
    layer_names.push_back(layer.name);
    const auto group = writer.group(weights->get(), layer.name);
    // Keras 2 loads a layer's weights in weight_names order.
    std::vector<std::string> names;
    for (const auto& [name, value] : layer.weights) {
      names.push_back(keras::keras2_weight_path(layer.name, layer.class_name, layer.config, name));
      const auto slash = names.back().rfind('/');
      writer.dataset(writer.group(group->get(), names.back().substr(0, slash))->get(), names.back().substr(slash + 1), value);
    }
    writer.fixed_strings_attribute(group->get(), "weight_names", names);
  }
  writer.fixed_strings_attribute(weights->get(), "layer_names", layer_names);
  writer.string_attribute(weights->get(), "backend", "tensorflow");
  writer.string_attribute(weights->get(), "keras_version", "2.15.0");
  io::write_file_atomically(path, writer.bytes());
}

}  // namespace strata::interop
