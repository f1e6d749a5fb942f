#include "strata/interop/keras_archive.h"

#include <ctime>

#include "strata/interop/keras_export.h"
#include "strata/io/atomic_file.h"
#include "strata/io/json_text.h"
#include "strata/io/zip_archive.h"

namespace strata::interop {
namespace {

using Json = nlohmann::json;

constexpr const char* kConfig = "config.json";
constexpr const char* kWeights = "model.weights.h5";
constexpr const char* kMetadata = "metadata.json";
constexpr std::size_t kMaxJsonBytes = std::size_t{64} << 20;    // a config of 100,000 layers is ~50 MB
constexpr std::size_t kMaxWeightBytes = std::size_t{16} << 30;  // beyond any model this machine can hold

// Keras 3 keeps a layer's weights in groups under its path (keras::var_groups), as datasets
// named 0, 1, ...: read in index order, each group's count checked.
std::vector<Tensor> read_vars(const hdf5::File& file, const std::string& layer_path, const std::string& cls,
                              const Json& config, const std::string& what, const std::string& layer) {
  std::vector<Tensor> out;
  for (const auto& g : keras::var_groups(cls, config)) {
    const std::string vars = layer_path + "/" + g.path;
    const std::size_t expected = g.names.size();
    if (!hdf5::has_link(file.id(), vars)) {
      STRATA_CHECK(expected == 0, what, ": '", file.label(), "' has no weights for layer '", layer, "' (", cls,
                   "); expected ", expected, " under ", vars);
      continue;
    }
    hdf5::Handle group(H5Gopen2(file.id(), vars.c_str(), H5P_DEFAULT), H5Gclose);
    STRATA_CHECK(group.ok(), what, ": '", file.label(), "': ", vars, " is not a group");
    const auto members = hdf5::member_names(group.get());
    STRATA_CHECK(members.size() == expected, what, ": '", file.label(), "' holds ", members.size(), " weights for layer '",
                 layer, "' (", cls, ") under ", vars, "; its config makes ", expected);
    for (std::size_t i = 0; i < expected; ++i) {
      const std::string name = std::to_string(i);
      STRATA_CHECK(hdf5::has_link(group.get(), name), what, ": '", file.label(), "': ", vars, " has no weight ", name);
      out.push_back(hdf5::read_dataset(group.get(), name, what));
    }
  }
  return out;
}

// The config's layers in the order of Keras' model.layers (a Sequential's InputLayer is not
// one of its layers; a Functional's are, but own no weights and no other class shares their name).
std::vector<Json> weight_layers(const Json& model_config) {
  const Json& config = model_config.at("config");
  const Json& layers = config.is_array() ? config : config.at("layers");
  std::vector<Json> out;
  for (const Json& l : layers)
    if (l.at("class_name") != "InputLayer") out.push_back(l);
  return out;
}

std::string layer_name_of(const Json& l) {
  const Json& c = l.at("config");
  return c.contains("name") ? c.at("name").get<std::string>() : l.value("name", l.at("class_name").get<std::string>());
}

std::string date_saved() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d@%H:%M:%S", &tm);
  return text;
}

}  // namespace

namespace keras {

bool is_keras3_weights(const hdf5::File& file) {
  return hdf5::has_link(file.id(), "layers") && !hdf5::has_attribute(file.id(), "layer_names") &&
         !hdf5::has_link(file.id(), "model_weights");
}

ModelWeights read_keras3_weights(const hdf5::File& file, const Json& model_config, const std::string& what) {
  try {
    const auto layers = weight_layers(model_config);
    std::vector<std::string> classes;
    for (const Json& l : layers) classes.push_back(l.at("class_name"));
    const auto paths = weight_paths(classes);
    ModelWeights out;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const std::string name = layer_name_of(layers[i]);
      const auto names = weight_names(classes[i], layers[i].at("config"));
      const auto values = read_vars(file, paths[i], classes[i], layers[i].at("config"), what, name);
      auto& weights = out[name];
      for (std::size_t k = 0; k < names.size(); ++k) weights.emplace_back(names[k], values[k]);
    }
    return out;
  } catch (const Json::exception& e) {
    throw Error(what + ": the model config is not what Keras writes (" + e.what() + ")");
  }
}

void load_keras3_weights(const hdf5::File& file, models::Model& model) {
  const std::string what = "Keras weights";
  const auto exported = describe(model, Dialect::keras3, what);
  std::vector<const ExportedLayer*> layers;
  std::vector<std::string> classes;
  for (const auto& l : exported.layers)
    if (l.class_name != "InputLayer") {
      layers.push_back(&l);
      classes.push_back(l.class_name);
    }
  const auto paths = weight_paths(classes);
  keras::WeightPlan plan;
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const ExportedLayer& l = *layers[i];
    std::vector<Tensor> values;
    try {
      values = read_vars(file, paths[i], l.class_name, l.config, what, l.name);
    } catch (const Error& e) {
      problems.push_back(std::string("  ") + e.what());
      continue;
    }
    const nn::LayerPtr layer = model.get_layer(l.name);
    for (std::size_t k = 0; k < values.size(); ++k) {
      const auto& [wname, expected] = l.weights[k];
      if (values[k].shape() != expected.shape()) {
        problems.push_back("  '" + paths[i] + "/vars/" + std::to_string(k) + "' (layer '" + l.name + "' " + wname + "): file " +
                           shape_str(values[k].shape()) + ", the model needs " + shape_str(expected.shape()) + " (channels-last)");
        continue;
      }
      Tensor converted = to_strata_layout(wname, values[k]);
      if (!l.kernel_rows_from.empty() && wname == "kernel") converted = dense_rows_to_channels_first(converted, l.kernel_rows_from);
      for (nn::Weight* w : layer->weights())
        if (w->name == wname) plan.emplace_back(w, converted);
    }
  }
  keras::apply_weights(plan, problems, what, file.label());
}

}  // namespace keras

bool is_keras_archive(const std::string& path) { return io::is_zip_file(path); }

std::shared_ptr<models::Model> import_keras_archive(const std::string& path) {
  const std::string what = "Keras import";
  const io::ZipReader zip(path, what);
  STRATA_CHECK(zip.has(kConfig), what, ": '", path, "' is a zip archive but not a Keras 3 model: it has no ", kConfig);
  STRATA_CHECK(zip.has(kWeights), what, ": '", path, "' has no ", kWeights,
               zip.has("model.weights.npz") ? " (weights saved as .npz are not supported; save with the default h5)" : "");
  const Json config = io::parse_json(zip.read(kConfig, kMaxJsonBytes), what + ": " + kConfig + " of '" + path + "'");
  STRATA_CHECK(config.is_object() && config.contains("class_name") && config.contains("config"), what, ": ", kConfig,
               " of '", path, "' is not a serialized Keras model (no class_name/config)");
  const hdf5::File weights = hdf5::File::from_bytes(zip.read(kWeights, kMaxWeightBytes), path + ":" + kWeights, what);
  return keras::build_model(config, keras::read_keras3_weights(weights, config, what), what + ": '" + path + "'");
}

void export_keras_archive(models::Model& model, const std::string& path) {
  const auto exported = keras::describe(model, keras::Dialect::keras3, "Keras export");
  const bool sequential = exported.config.at("class_name") == "Sequential";
  hdf5::Writer writer;
  writer.group(writer.root(), "vars");  // the model's own (no) variables, as Keras writes them
  std::vector<const keras::ExportedLayer*> layers;
  std::vector<std::string> classes;
  for (const auto& l : exported.layers)
    if (!sequential || l.class_name != "InputLayer") {
      layers.push_back(&l);
      classes.push_back(l.class_name);
    }
  const auto paths = keras::weight_paths(classes);
  for (std::size_t i = 0; i < layers.size(); ++i) {
    writer.group(writer.root(), paths[i] + "/vars");  // the layer's own, empty where Keras nests them
    std::size_t k = 0;  // the layer's weights are in var_groups order
    for (const auto& g : keras::var_groups(layers[i]->class_name, layers[i]->config)) {
      const auto vars = writer.group(writer.root(), paths[i] + "/" + g.path);
      for (std::size_t j = 0; j < g.names.size(); ++j, ++k) writer.dataset(vars->get(), std::to_string(j), layers[i]->weights.at(k).second);
    }
  }
  const Json metadata = {{"keras_version", "3.5.0"}, {"date_saved", date_saved()}, {"producer", "strata"}};
  io::write_file_atomically(path, io::make_zip({{kMetadata, metadata.dump()}, {kConfig, exported.config.dump()}, {kWeights, writer.bytes()}}));
}

}  // namespace strata::interop
