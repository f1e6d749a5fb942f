// Keras files both ways: Keras 3 .keras archives (golden files written in Keras 3's layout by
// tools/golden/make_keras3_golden.py, with a NumPy channels-last forward pass as the expected
// output), Keras 3 weights-only files, and Strata -> .keras / Keras 2 .h5 -> Strata round trips.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "strata/interop/keras_archive.h"
#include "strata/interop/keras_export.h"
#include "strata/interop/keras_h5.h"
#include "strata/io/npy.h"
#include "strata/io/zip_archive.h"
#include "strata/models/builtin.h"
#include "strata/models/zoo.h"
#include "strata/nn/layers.h"
#include "strata/tensor/math.h"
#include "test_helpers.h"

using namespace strata;
namespace fs = std::filesystem;

namespace {

std::string golden(const std::string& file) { return std::string(STRATA_TEST_DATA_DIR) + "/data/keras3/" + file; }
fs::path temp_file(const std::string& name) { return fs::temp_directory_path() / ("strata_keras3_" + name); }
Tensor run(models::Model& m, const Tensor& x) { return m.call({Variable(x)}, false).value(); }

double relative_error(const Tensor& actual, const Tensor& expected) {
  EXPECT_EQ(actual.shape(), expected.shape());
  if (actual.shape() != expected.shape()) return 1e9;
  return max_abs_diff(actual.to(DType::f64), expected.to(DType::f64)) / std::max(max(abs(expected.to(DType::f64))).item(), 1e-12);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

// Random moving statistics, so that batch normalization is not the identity in a round trip.
void randomize_batch_norm(models::Model& m) {
  for (const auto& l : m.layers())
    for (nn::Weight* w : l->weights()) {
      if (w->name == "moving_mean") w->variable.mutable_value().copy_(Tensor::uniform(w->variable.shape(), -0.5, 0.5));
      if (w->name == "moving_variance") w->variable.mutable_value().copy_(Tensor::uniform(w->variable.shape(), 0.5, 2.0));
    }
}

}  // namespace

TEST(Keras3Import, GoldenArchivesReproduceTheNumPyForwardPass) {
  for (const std::string name : {"cnn", "rnn", "rnn_wrappers", "bn_dropout"}) {
    auto m = interop::import_keras_archive(golden(name + ".keras"));
    const Tensor y = run(*m, io::read_npy(golden(name + ".input.npy")));
    EXPECT_LT(relative_error(y, io::read_npy(golden(name + ".output.npy"))), 1e-5) << name;
  }
  // Channels-last became channels-first; the names are Keras'.
  auto cnn = interop::import_keras_archive(golden("cnn.keras"));
  EXPECT_EQ(cnn->input_shape(), (Shape{2, 12, 10}));
  EXPECT_EQ(cnn->get_layer("depthwise_conv2d")->type(), "DepthwiseConv2D");
  EXPECT_EQ(cnn->count_params(), 4 * 2 * 9 + 4 + 8 * 9 + 8 + 8 * 6 + 6 + 54 * 5 + 5);
}

TEST(Keras3Import, WeightsOnlyFileLoadsIntoTheSameArchitecture) {
  auto m = interop::import_keras_archive(golden("cnn.keras"));
  const Tensor x = io::read_npy(golden("cnn.input.npy"));
  interop::load_keras_weights(golden("cnn.weights.h5"), *m);
  EXPECT_LT(relative_error(run(*m, x), io::read_npy(golden("cnn_weights.output.npy"))), 1e-5);
  // A model of another architecture is refused, listing what does not fit, and keeps its weights.
  auto rnn = interop::import_keras_archive(golden("rnn.keras"));
  const Tensor tokens = io::read_npy(golden("rnn.input.npy"));
  const Tensor before = run(*rnn, tokens);
  const std::string error = strata::testing::error_of([&] { interop::load_keras_weights(golden("cnn.weights.h5"), *rnn); });
  EXPECT_NE(error.find("does not fit the model"), std::string::npos) << error;
  EXPECT_NE(error.find("layers/lstm/cell/vars"), std::string::npos) << error;
  EXPECT_EQ(max_abs_diff(run(*rnn, tokens), before), 0.0);
}

TEST(KerasExport, RoundTripsGiveIdenticalOutputs) {
  auto cnn = models::builtin_model("small_cnn", {1, 28, 28}, 10);  // the main job's network
  auto lstm = std::make_shared<models::Sequential>(
      Shape{7, 3},
      std::vector<nn::LayerPtr>{
          std::make_shared<nn::Bidirectional>(
              std::make_shared<nn::Recurrent>(ops::RnnCell::lstm, nn::RecurrentOptions(6).return_sequences(true))),
          std::make_shared<nn::TimeDistributed>(std::make_shared<nn::Dense>(nn::DenseOptions(4).activation("tanh"))),
          std::make_shared<nn::PReLU>(std::vector<std::int64_t>{1}, "random_uniform"),
          std::make_shared<nn::Recurrent>(ops::RnnCell::lstm, nn::RecurrentOptions(5).go_backwards(true)),
          std::make_shared<nn::Dense>(nn::DenseOptions(4).activation("softmax"))},
      "lstm_model");
  auto resnet = models::zoo("resnet18", models::ZooOptions().input_shape({3, 32, 32}).classes(10));
  randomize_batch_norm(*resnet);
  const char* keep = std::getenv("STRATA_KERAS_EXPORT_DIR");  // tests/keras_numpy_check.sh reads them
  for (auto& [name, model] : std::vector<std::pair<std::string, std::shared_ptr<models::Model>>>{
           {"small_cnn", cnn}, {"lstm", lstm}, {"resnet18", resnet}}) {
    model->ensure_built();
    Shape batch = model->input_shape();
    batch.insert(batch.begin(), 2);
    const Tensor x = Tensor::uniform(batch, -1, 1);
    const Tensor y = run(*model, x);
    for (const std::string format : {".keras", ".h5"}) {
      const fs::path path = keep ? fs::path(keep) / (name + format) : temp_file(name + format);
      if (format == ".keras") interop::export_keras_archive(*model, path.string());
      else interop::export_keras_h5(*model, path.string());
      auto back = format == ".keras" ? interop::import_keras_archive(path.string()) : interop::import_keras_h5(path.string());
      EXPECT_EQ(back->count_params(), model->count_params()) << name << format;
      // The same kernels on the same weights: equal up to the last bits (summation order can
      // differ only where a fused inference group changes, which it does not here).
      EXPECT_LE(relative_error(run(*back, x), y), 1e-6) << name << format;
      if (keep) {
        io::write_npy((fs::path(keep) / (name + ".input.npy")).string(), x);
        io::write_npy((fs::path(keep) / (name + ".output.npy")).string(), y);
      } else {
        fs::remove(path);
      }
    }
  }
}

TEST(KerasExport, ArchiveFollowsKeras3Layout) {
  auto m = interop::import_keras_archive(golden("bn_dropout.keras"));
  const auto path = temp_file("layout.keras");
  interop::export_keras_archive(*m, path.string());
  const io::ZipReader zip(path.string(), "test");
  EXPECT_EQ(zip.names(), (std::vector<std::string>{"metadata.json", "config.json", "model.weights.h5"}));
  const auto config = nlohmann::json::parse(zip.read("config.json", 1 << 20));
  EXPECT_EQ(config.at("class_name"), "Functional");
  const auto& layers = config.at("config").at("layers");
  EXPECT_EQ(layers.at(0).at("class_name"), "InputLayer");
  EXPECT_EQ(layers.at(0).at("config").at("batch_shape"), nlohmann::json::parse("[null, 8, 8, 3]"));
  EXPECT_EQ(layers.at(1).at("inbound_nodes").at(0).at("args").at(0).at("config").at("keras_history"),
            nlohmann::json::parse(R"(["image", 0, 0])"));
  // Layers named by class in the weights file: the second Conv2D is conv2d_1.
  EXPECT_EQ(interop::keras::weight_paths({"Conv2D", "BatchNormalization", "Conv2D", "ReLU", "LeakyReLU", "PReLU"}),
            (std::vector<std::string>{"layers/conv2d", "layers/batch_normalization", "layers/conv2d_1", "layers/re_lu",
                                      "layers/leaky_re_lu", "layers/p_re_lu"}));
  const auto weights = interop::hdf5::File::from_bytes(zip.read("model.weights.h5", 1 << 24), "weights", "test");
  EXPECT_EQ(interop::hdf5::read_dataset(weights.id(), "layers/conv2d/vars/0", "test").shape(), (Shape{3, 3, 3, 4}));
  EXPECT_EQ(interop::hdf5::read_dataset(weights.id(), "layers/separable_conv2d/vars/1", "test").shape(), (Shape{1, 1, 8, 5}));
  fs::remove(path);
}

TEST(KerasExport, LayersWithoutKerasEquivalentAreListedAndNothingIsWritten) {
  // The Keras 2 importer turns a Reshape of feature maps into Permute + Reshape + Permute.
  auto m = interop::import_keras_h5(std::string(STRATA_TEST_DATA_DIR) + "/data/keras_all_layers.h5");
  const auto path = temp_file("never.keras");
  fs::remove(path);
  for (const std::string format : {".keras", ".h5"}) {
    const std::string error = strata::testing::error_of([&] {
      if (format == ".keras") interop::export_keras_archive(*m, path.string());
      else interop::export_keras_h5(*m, path.string());
    });
    EXPECT_NE(error.find("3 layer(s) have no Keras equivalent"), std::string::npos) << error;
    EXPECT_NE(error.find("'reshape_to_channels_last' (Permute)"), std::string::npos) << error;
    EXPECT_FALSE(fs::exists(path));
  }
}

TEST(Keras3Import, MalformedArchivesGiveOneClearError) {
  const std::string good = golden("cnn.keras");
  const io::ZipReader zip(good, "test");
  const std::string config = zip.read("config.json", 1 << 20), weights = zip.read("model.weights.h5", 1 << 24),
                    metadata = zip.read("metadata.json", 1 << 20);
  const auto expect_error = [](const fs::path& path, const std::string& expected) {
    const std::string error = strata::testing::error_of([&] { interop::import_keras_archive(path.string()); });
    EXPECT_NE(error.find(expected), std::string::npos) << path << ": " << error;
    EXPECT_NE(error.find(path.filename().string()), std::string::npos) << "the message names the file: " << error;
    fs::remove(path);
  };
  write_bytes(temp_file("text.keras"), "not a zip at all\n");
  expect_error(temp_file("text.keras"), "is not a zip archive or is damaged");
  const std::string whole = read_bytes(good);
  write_bytes(temp_file("cut.keras"), whole.substr(0, whole.size() / 2));
  expect_error(temp_file("cut.keras"), "is not a zip archive or is damaged");
  write_bytes(temp_file("noconfig.keras"), io::make_zip({{"metadata.json", metadata}, {"model.weights.h5", weights}}));
  expect_error(temp_file("noconfig.keras"), "is a zip archive but not a Keras 3 model: it has no config.json");
  write_bytes(temp_file("shortweights.keras"),
              io::make_zip({{"config.json", config}, {"model.weights.h5", weights.substr(0, weights.size() / 3)}}));
  expect_error(temp_file("shortweights.keras"), "model.weights.h5");
  std::string unknown = config;
  unknown.replace(unknown.find("\"Flatten\""), 9, "\"Flattish\"");
  write_bytes(temp_file("unknown.keras"), io::make_zip({{"config.json", unknown}, {"model.weights.h5", weights}}));
  expect_error(temp_file("unknown.keras"), "layer 'flatten' (Flattish): layer type Flattish is not supported");
  std::string wide = config;
  wide.replace(wide.find("\"units\": 5"), 10, "\"units\": 7");
  write_bytes(temp_file("shape.keras"), io::make_zip({{"config.json", wide}, {"model.weights.h5", weights}}));
  expect_error(temp_file("shape.keras"), "weight 'kernel' has shape [54,5] in the file; the config makes it [54,7]");
  // A Bidirectional whose backward layer is not the forward one mirrored: Strata cannot
  // represent it, so it is refused rather than imported as a mirror.
  {
    const io::ZipReader wrappers(golden("rnn_wrappers.keras"), "test");
    auto j = nlohmann::json::parse(wrappers.read("config.json", 1 << 20));
    auto& bidirectional = j["config"]["layers"][1]["config"];
    bidirectional["backward_layer"] = bidirectional["layer"];
    bidirectional["backward_layer"]["config"]["units"] = 7;
    write_bytes(temp_file("backward.keras"),
                io::make_zip({{"config.json", j.dump()}, {"model.weights.h5", wrappers.read("model.weights.h5", 1 << 24)}}));
    expect_error(temp_file("backward.keras"), "a backward layer whose units differs from the forward layer's");
  }
  write_bytes(temp_file("badjson.keras"), io::make_zip({{"config.json", "{\"class_name\": "}, {"model.weights.h5", weights}}));
  expect_error(temp_file("badjson.keras"), "config.json");
}
