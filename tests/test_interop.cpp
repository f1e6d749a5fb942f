// Importing real trained networks (ONNX and Keras HDF5 files in pretrained/, with reference
// outputs made by independent implementations), exporting to ONNX and back, and refusing
// malformed files with clear errors.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "strata/interop/keras_h5.h"
#include "strata/interop/onnx_export.h"
#include "strata/interop/onnx_import.h"
#include "strata/interop/onnx_tensor.h"
#include "strata/io/model_io.h"
#include "strata/io/npy.h"
#include "strata/models/zoo.h"
#include "strata/nn/layers.h"
#include "test_helpers.h"

using namespace strata;
namespace fs = std::filesystem;

namespace {

std::string pretrained(const std::string& file) { return std::string(STRATA_TEST_DATA_DIR) + "/../pretrained/" + file; }

// max |a - b| / max |b|: the relative error the issue asks to be below 1e-4.
double relative_error(const Tensor& actual, const Tensor& expected) {
  const Tensor a = actual.reshape(expected.shape());
  return max_abs_diff(a, expected) / std::max(max_abs_diff(expected, Tensor::zeros(expected.shape())), 1e-12);
}

Tensor run(models::Model& m, const Tensor& x) { return m.call({Variable(x)}, false).value(); }

fs::path temp_file(const std::string& name) { return fs::temp_directory_path() / ("strata_interop_" + name); }

}  // namespace

TEST(OnnxImport, SqueezeNetFp16ReproducesTheReferenceProbabilities) {
  auto m = interop::import_onnx(pretrained("onnx/squeezenet1.1-fp16.onnx"));
  EXPECT_EQ(m->count_params(), 1235496);
  const Tensor y = run(*m, io::read_npy(pretrained("reference/squeezenet1.1_chelsea_input.npy")));
  const Tensor expected = io::read_npy(pretrained("reference/squeezenet1.1_chelsea_output.npy"));
  EXPECT_LT(relative_error(y, expected), 1e-4);
  EXPECT_EQ(argmax(y.reshape({1, -1}), 1).to_vector<std::int64_t>()[0], 285);  // Egyptian cat
}

TEST(OnnxImport, MobileNetV2ReproducesTheReferenceLogits) {
  auto m = interop::import_onnx(pretrained("onnx/mobilenetv2-1.0-fp32-dequant.onnx"));
  EXPECT_EQ(m->count_params(), 3487816);  // the README's 3,487,886 minus 70 Clip bounds (now layer options)
  const Tensor y = run(*m, io::read_npy(pretrained("reference/mobilenetv2_chelsea_input.npy")));
  EXPECT_LT(relative_error(y, io::read_npy(pretrained("reference/mobilenetv2-fp32-dequant_chelsea_logits.npy"))), 1e-4);
}

TEST(OnnxImport, MnistModelIsAnOrdinaryTrainableModel) {
  auto m = interop::import_onnx(pretrained("onnx/mnist-cntk.onnx"));
  EXPECT_EQ(m->input_shape(), (Shape{1, 28, 28}));
  EXPECT_EQ(m->output_shape(), (Shape{10}));
  // Imported layers are real layers: freezing them stops their weights from training.
  m->get_layer("Convolution28")->set_trainable(false);
  EXPECT_LT(m->count_trainable_params(), m->count_params());
  EXPECT_NE(m->summary().find("Convolution28 (Conv2D)"), std::string::npos);
}

TEST(KerasImport, MiniXceptionModelsReproduceTheReferenceOutputs) {
  const Tensor face = io::read_npy(pretrained("reference/astronaut_face64_gray_input.npy")).permute({0, 3, 1, 2}).contiguous();
  for (const auto& [file, reference] :
       {std::pair{"keras/fer2013_mini_XCEPTION.102-0.66.hdf5", "reference/fer2013_mini_XCEPTION_astronaut_output.npy"},
        std::pair{"keras/gender_mini_XCEPTION.21-0.95.hdf5", "reference/gender_mini_XCEPTION_astronaut_output.npy"}}) {
    auto m = interop::import_keras_h5(pretrained(file));
    EXPECT_EQ(m->input_shape(), (Shape{1, 64, 64})) << file;
    EXPECT_LT(relative_error(run(*m, face), io::read_npy(pretrained(reference))), 1e-4) << file;
  }
  EXPECT_EQ(interop::import_keras_h5(pretrained("keras/fer2013_mini_XCEPTION.102-0.66.hdf5"))->count_params(), 58423);
}

TEST(KerasImport, WeightsLoadByLayerNameIntoARebuiltModel) {
  const std::string file = pretrained("keras/gender_mini_XCEPTION.21-0.95.hdf5");
  auto original = interop::import_keras_h5(file);
  // The same architecture rebuilt from its config has fresh weights until the file is loaded.
  auto rebuilt = models::model_from_config(original->config());
  const Tensor x = Tensor::uniform({2, 1, 64, 64}, -1, 1);
  EXPECT_GT(max_abs_diff(run(*rebuilt, x), run(*original, x)), 1e-3);
  interop::load_keras_weights(file, *rebuilt);
  EXPECT_EQ(max_abs_diff(run(*rebuilt, x), run(*original, x)), 0.0);
}

TEST(OnnxExport, EveryZooArchitectureRoundTripsWithIdenticalOutputs) {
  for (const std::string name : {"resnet_compact", "resnet18", "resnet34", "resnet50", "mobilenet_v2", "vgg16", "vgg19",
                                 "inception_v3", "xception"}) {
    models::ZooOptions o;
    o.input_shape(name == "inception_v3" ? Shape{3, 75, 75} : name == "xception" ? Shape{3, 71, 71} : Shape{3, 32, 32});
    if (name == "resnet_compact") o.input_shape(Shape{1, 28, 28}).classes(10);
    if (name == "vgg16" || name == "vgg19") o.input_shape(Shape{3, 32, 32}).classes(10);
    auto m = models::zoo(name, o);
    // STRATA_ONNX_EXPORT_DIR keeps the files (tests/onnx_checker.sh runs onnx.checker on them).
    const char* keep = std::getenv("STRATA_ONNX_EXPORT_DIR");
    const auto path = keep ? fs::path(keep) / (name + ".onnx") : temp_file(name + ".onnx");
    interop::export_onnx(*m, path.string());
    auto back = interop::import_onnx(path.string());
    const Shape s = m->input_shape();
    const Tensor x = Tensor::uniform({2, s[0], s[1], s[2]}, -1, 1);
    EXPECT_EQ(max_abs_diff(run(*back, x), run(*m, x)), 0.0) << name;
    // InceptionV3's BatchNormalization(scale=false) comes back with ONNX's explicit scale of ones.
    if (name != "inception_v3") EXPECT_EQ(back->count_params(), m->count_params()) << name;
    if (!keep) fs::remove(path);
  }
}

// LayerNormalization exports as ONNX's own op (which makes the file opset 17) and comes back
// as the same layer, with and without a shift, over one axis or the last two.
TEST(OnnxExport, LayerNormalizationRoundTripsWithIdenticalOutputs) {
  manual_seed(8);
  auto in = nn::Input({6, 8});
  auto h = layers::LayerNormalization()(layers::Dense(8)(in));
  h = layers::LayerNormalization(nn::LayerNormalizationOptions().axis({-2, -1}).center(false).epsilon(1e-5))(h);
  auto m = std::make_shared<models::Model>(in, layers::Dense(3)(layers::Flatten()(h)));
  const Tensor x = Tensor::normal({2, 6, 8}, 0, 1);
  run(*m, x);
  for (const auto& layer : m->layers())  // gamma and beta away from their initial ones and zeros
    if (nn::is<nn::LayerNormalization>(layer))
      for (auto* w : layer->weights()) w->variable.mutable_value().copy_(Tensor::uniform(w->variable.shape(), 0.5, 1.5));
  const char* keep = std::getenv("STRATA_ONNX_EXPORT_DIR");
  const auto path = keep ? fs::path(keep) / "layer_normalization.onnx" : temp_file("layer_normalization.onnx");
  interop::export_onnx(*m, path.string());
  auto back = interop::import_onnx(path.string());
  EXPECT_EQ(max_abs_diff(run(*back, x), run(*m, x)), 0.0);
  EXPECT_EQ(back->count_params(), m->count_params());
  if (!keep) fs::remove(path);
}

// GroupNormalization exports as ONNX's decomposition at opset 13 (Reshape, InstanceNormalization,
// Reshape, Mul, Add: ONNX's own GroupNormalization is opset 18) and imports back, through
// InstanceNormalization -> GroupNormalization, with identical outputs.
TEST(OnnxExport, GroupNormalizationRoundTripsWithIdenticalOutputs) {
  manual_seed(11);
  auto in = nn::Input({3, 6, 5});
  auto h = layers::GroupNormalization(2)(layers::Conv2D(4, 3, "relu")(in));
  h = layers::GroupNormalization(nn::GroupNormalizationOptions().groups(4).center(false).epsilon(1e-5))(h);
  auto m = std::make_shared<models::Model>(in, h);
  for (const auto& layer : m->layers())
    if (nn::is<nn::GroupNormalization>(layer))
      for (auto* w : layer->weights()) w->variable.mutable_value().copy_(Tensor::uniform(w->variable.shape(), 0.5, 1.5));
  const char* keep = std::getenv("STRATA_ONNX_EXPORT_DIR");
  const auto path = keep ? fs::path(keep) / "group_normalization.onnx" : temp_file("group_normalization.onnx");
  interop::export_onnx(*m, path.string());
  auto back = interop::import_onnx(path.string());
  const Tensor x = Tensor::normal({2, 3, 6, 5}, 0, 1);
  EXPECT_EQ(max_abs_diff(run(*back, x), run(*m, x)), 0.0);
  if (!keep) fs::remove(path);
}

// A small convolutional autoencoder: Conv2DTranspose exports as ONNX's ConvTranspose (pads and
// output_padding worked out from the layer's plan) and comes back with identical outputs.
TEST(OnnxExport, Conv2DTransposeRoundTripsWithIdenticalOutputs) {
  manual_seed(9);
  auto in = nn::Input({1, 12, 12});
  auto h = layers::Conv2D(nn::Conv2DOptions(4, 3).stride(2).padding("same").activation("relu"))(in);  // 6x6
  h = layers::Conv2DTranspose(4, 3, 2, "same", "relu")(h);                                         // 12x12
  h = layers::Conv2DTranspose(nn::Conv2DTransposeOptions(2, 2).stride(3))(h);                       // valid, K < stride
  h = layers::Conv2DTranspose(nn::Conv2DTransposeOptions(1, 3).stride(2).padding("same").output_padding(nn::Size2{0, 1}))(h);
  auto m = std::make_shared<models::Model>(in, h);
  const char* keep = std::getenv("STRATA_ONNX_EXPORT_DIR");
  const auto path = keep ? fs::path(keep) / "conv_transpose.onnx" : temp_file("conv_transpose.onnx");
  interop::export_onnx(*m, path.string());
  auto back = interop::import_onnx(path.string());
  const Tensor x = Tensor::uniform({2, 1, 12, 12}, -1, 1);
  EXPECT_EQ(run(*back, x).shape(), run(*m, x).shape());
  EXPECT_EQ(max_abs_diff(run(*back, x), run(*m, x)), 0.0);
  EXPECT_EQ(back->count_params(), m->count_params());
  if (!keep) fs::remove(path);
}

// Sequences, volumes and images: Conv1D (causal and "same"), SeparableConv1D, pooling of rank 1
// and 3 (dilated max pooling too), Conv1D/3DTranspose, global pooling, ZeroPadding, Cropping,
// UpSampling (nearest and bilinear) and SpatialDropout export as ONNX's Conv, ConvTranspose,
// pools, Pad, Slice, Resize and Identity and come back with identical outputs.
TEST(OnnxExport, Rank1And3LayersRoundTripWithIdenticalOutputs) {
  manual_seed(10);
  auto seq_in = nn::Input({3, 16});
  auto s = layers::Conv1D(nn::Conv1DOptions(4, 3).padding("causal").dilation_rate({2}).activation("relu"))(seq_in);
  s = layers::SeparableConv1D(nn::Conv1DOptions(6, 3).padding("same"))(s);
  auto dilated = layers::MaxPooling1D(2, 1);
  dilated->dilation({2});
  s = layers::AveragePooling1D(2)(dilated(s));  // 14 -> 7
  s = layers::Conv1DTranspose(2, 3, 2, "same")(s);
  s = layers::UpSampling1D(2)(layers::Cropping1D(1)(layers::ZeroPadding1D(2)(s)));
  auto seq = std::make_shared<models::Model>(seq_in, layers::Dense(2)(layers::GlobalMaxPooling1D()(s)));
  auto vol_in = nn::Input({2, 6, 6, 6});
  auto v = layers::Conv3D(nn::Conv3DOptions(3, 3).padding("same").activation("relu"))(vol_in);
  v = layers::MaxPooling3D(2)(v);
  v = layers::Conv3DTranspose(2, 2, 2)(v);
  v = layers::UpSampling3D(2)(layers::SpatialDropout3D(0.3)(layers::Cropping3D(1)(layers::ZeroPadding3D(1)(v))));
  auto vol = std::make_shared<models::Model>(vol_in, layers::GlobalAveragePooling3D()(layers::AveragePooling3D(3, 2)(v)));
  auto image_in = nn::Input({2, 5, 6});
  auto i = layers::UpSampling2D(2, "bilinear")(layers::Cropping<2>({{{1, 0}, {0, 2}}})(image_in));
  auto image = std::make_shared<models::Model>(image_in, layers::Conv2D(3, 3)(layers::UpSampling2D(3)(i)));
  const char* keep = std::getenv("STRATA_ONNX_EXPORT_DIR");
  for (const auto& [name, m] : {std::pair{std::string("sequence_conv"), seq}, std::pair{std::string("volume_conv"), vol},
                                std::pair{std::string("image_upsampling"), image}}) {
    const auto path = keep ? fs::path(keep) / (name + ".onnx") : temp_file(name + ".onnx");
    interop::export_onnx(*m, path.string());
    auto back = interop::import_onnx(path.string());
    const Shape example = m->input_shape();
    Shape shape{2};
    shape.insert(shape.end(), example.begin(), example.end());
    const Tensor x = Tensor::uniform(shape, -1, 1);
    EXPECT_EQ(run(*back, x).shape(), run(*m, x).shape()) << name;
    EXPECT_EQ(max_abs_diff(run(*back, x), run(*m, x)), 0.0) << name;
    EXPECT_EQ(back->count_params(), m->count_params()) << name;
    int upsampling = 0;  // ONNX's Resize comes back as Keras' UpSampling where it is one
    for (const auto& l : back->layers()) upsampling += l->type().rfind("UpSampling", 0) == 0;
    EXPECT_EQ(upsampling, name == "image_upsampling" ? 2 : 1) << name;
    if (!keep) fs::remove(path);
  }
}

TEST(OnnxImport, ImportedModelsSaveAndLoadAsStrataFiles) {
  auto m = interop::import_onnx(pretrained("onnx/mnist-cntk.onnx"));
  const auto path = temp_file("mnist.strata");
  io::save_model(path.string(), *m);
  auto loaded = io::load_model(path.string());
  const Tensor x = Tensor::uniform({2, 1, 28, 28}, 0, 255);
  EXPECT_EQ(max_abs_diff(run(*loaded.model, x), run(*m, x)), 0.0);
  fs::remove(path);
}

TEST(OnnxImport, ExternalDataFiles) {
  // The MNIST model with its initializers moved to a side file, as ONNX's external-data format.
  std::ifstream in(pretrained("onnx/mnist-cntk.onnx"), std::ios::binary);
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromIstream(&in));
  const fs::path dir = temp_file("external");
  fs::create_directories(dir);
  std::ofstream data(dir / "weights.bin", std::ios::binary);
  std::int64_t offset = 0;
  for (auto& t : *model.mutable_graph()->mutable_initializer()) {
    if (t.data_type() != onnx::TensorProto::FLOAT) continue;
    if (t.raw_data().empty()) {  // typed storage -> raw bytes first
      std::string raw(static_cast<std::size_t>(t.float_data_size()) * 4, '\0');
      std::memcpy(raw.data(), t.float_data().data(), raw.size());
      t.clear_float_data();
      t.set_raw_data(raw);
    }
    data.write(t.raw_data().data(), static_cast<std::streamsize>(t.raw_data().size()));
    t.set_data_location(onnx::TensorProto::EXTERNAL);
    for (const auto& [k, v] : {std::pair<std::string, std::string>{"location", "weights.bin"},
                               {"offset", std::to_string(offset)},
                               {"length", std::to_string(t.raw_data().size())}}) {
      auto* e = t.add_external_data();
      e->set_key(k);
      e->set_value(v);
    }
    offset += static_cast<std::int64_t>(t.raw_data().size());
    t.clear_raw_data();
  }
  data.close();
  ASSERT_GT(offset, 20000);
  std::ofstream(dir / "model.onnx", std::ios::binary) << model.SerializeAsString();
  auto external = interop::import_onnx((dir / "model.onnx").string());
  auto inline_weights = interop::import_onnx(pretrained("onnx/mnist-cntk.onnx"));
  const Tensor x = Tensor::uniform({2, 1, 28, 28}, 0, 255);
  EXPECT_EQ(max_abs_diff(run(*external, x), run(*inline_weights, x)), 0.0);
  fs::resize_file(dir / "weights.bin", 1000);  // a truncated side file is an error naming it
  EXPECT_NE(strata::testing::error_of([&] { interop::import_onnx((dir / "model.onnx").string()); }).find("weights.bin"),
            std::string::npos);
  fs::remove_all(dir);
}

TEST(OnnxExport, ImportedModelsExportAndReimport) {
  auto m = interop::import_onnx(pretrained("onnx/mnist-cntk.onnx"));
  const auto path = temp_file("mnist.onnx");
  interop::export_onnx(*m, path.string());
  auto back = interop::import_onnx(path.string());
  const Tensor x = Tensor::uniform({3, 1, 28, 28}, 0, 255);
  EXPECT_EQ(max_abs_diff(run(*back, x), run(*m, x)), 0.0);
  fs::remove(path);
}

TEST(OnnxExport, UnsupportedLayersAreListedAndNoFileIsWritten) {
  auto x = nn::Input({5, 4});
  auto y = std::make_shared<nn::Recurrent>(ops::RnnCell::lstm, nn::RecurrentOptions(3))->operator()(x);
  models::Model m(x, y);
  const auto path = temp_file("lstm.onnx");
  fs::remove(path);
  const std::string error = strata::testing::error_of([&] { interop::export_onnx(m, path.string()); });
  EXPECT_NE(error.find("(LSTM): no ONNX export"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(path));
}

TEST(InteropErrors, TruncatedOnnxFile) {
  std::ifstream in(pretrained("onnx/mnist-cntk.onnx"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  const auto path = temp_file("truncated.onnx");
  std::ofstream(path, std::ios::binary).write(bytes.data(), 9000);
  const std::string error = strata::testing::error_of([&] { interop::import_onnx(path.string()); });
  EXPECT_NE(error.find("is not an ONNX model"), std::string::npos) << error;
  fs::remove(path);
}

TEST(InteropErrors, ProtobufOfTheWrongType) {
  // A serialized TensorProto parses as protobuf but is no ModelProto.
  onnx::TensorProto t;
  t.set_name("weights");
  t.add_dims(3);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (float v : {1.f, 2.f, 3.f}) t.add_float_data(v);
  const auto path = temp_file("tensor.onnx");
  std::ofstream(path, std::ios::binary) << t.SerializeAsString();
  const std::string error = strata::testing::error_of([&] { interop::import_onnx(path.string()); });
  EXPECT_NE(error.find("is not an ONNX model"), std::string::npos) << error;
  fs::remove(path);
}

TEST(InteropErrors, HdfFileThatIsNotAKerasModel) {
  const std::string file = std::string(STRATA_TEST_DATA_DIR) + "/data/not_keras.h5";
  EXPECT_NE(strata::testing::error_of([&] { interop::import_keras_h5(file); }).find("is an HDF5 file but not a Keras model"),
            std::string::npos);
  auto m = interop::import_keras_h5(pretrained("keras/gender_mini_XCEPTION.21-0.95.hdf5"));
  EXPECT_NE(strata::testing::error_of([&] { interop::load_keras_weights(file, *m); }).find("not a Keras weights file"), std::string::npos);
  EXPECT_NE(strata::testing::error_of([&] { interop::import_keras_h5(pretrained("onnx/mnist-cntk.onnx")); }).find("is not an HDF5 file"),
            std::string::npos);
}

TEST(InteropErrors, UnsupportedOpsAreAllListed) {
  // Two unsupported nodes: both are named, with their ops.
  onnx::ModelProto model;
  model.set_ir_version(7);
  model.add_opset_import()->set_version(13);
  auto* g = model.mutable_graph();
  auto* in = g->add_input();
  in->set_name("x");
  in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  for (int d : {1, 4}) in->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(d);
  auto add_node = [&](const std::string& op, const std::string& name, const std::string& input, const std::string& output) {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(name);
    n->add_input(input);
    n->add_output(output);
    return n;
  };
  add_node("Erf", "first_bad", "x", "a");
  add_node("Relu", "fine", "x", "b");
  auto* lrn = add_node("LeakyRelu", "bad_attribute", "b", "c");
  auto* attr = lrn->add_attribute();
  attr->set_name("wobble");
  attr->set_type(onnx::AttributeProto::INT);
  g->add_output()->set_name("c");
  const auto path = temp_file("unsupported.onnx");
  std::ofstream(path, std::ios::binary) << model.SerializeAsString();
  const std::string error = strata::testing::error_of([&] { interop::import_onnx(path.string()); });
  EXPECT_NE(error.find("2 node(s) cannot be imported"), std::string::npos) << error;
  EXPECT_NE(error.find("node 'first_bad' (Erf): operator Erf is not supported"), std::string::npos) << error;
  EXPECT_NE(error.find("node 'bad_attribute' (LeakyRelu): attribute 'wobble' is not supported"), std::string::npos) << error;
  fs::remove(path);
}

// Integer graph inputs are token ids: a Gather from a constant table becomes an Embedding
// (the model takes the ids as numbers); an integer input feeding anything else is refused.
TEST(OnnxImport, IntegerIndexInputsIntoAGatherBecomeAnEmbedding) {
  const auto make = [](const std::string& consumer) {
    onnx::ModelProto model;
    model.set_ir_version(7);
    model.add_opset_import()->set_version(13);
    auto* g = model.mutable_graph();
    auto* in = g->add_input();
    in->set_name("ids");
    in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT64);
    for (int d : {2, 5}) in->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(d);
    auto* table = g->add_initializer();
    table->set_name("table");
    table->set_data_type(onnx::TensorProto::FLOAT);
    table->add_dims(10);
    table->add_dims(4);
    for (int i = 0; i < 40; ++i) table->add_float_data(0.1f * static_cast<float>(i) - 1.5f);
    auto* n = g->add_node();
    n->set_name("lookup");
    n->set_op_type(consumer);
    if (consumer == "Gather") n->add_input("table");
    n->add_input("ids");
    n->add_output("y");
    g->add_output()->set_name("y");
    return model;
  };
  const auto path = temp_file("embedding.onnx");
  std::ofstream(path, std::ios::binary) << make("Gather").SerializeAsString();
  auto m = interop::import_onnx(path.string());
  EXPECT_EQ(m->layers().back()->type(), "Embedding");
  const Tensor ids = Tensor::from_vector<float>({0, 3, 9, 1, 1, 7, 2, 0, 5, 8}, {2, 5});
  const Tensor y = run(*m, ids);
  ASSERT_EQ(y.shape(), (Shape{2, 5, 4}));
  // Row 9 of the table is 0.1 * (36..39) - 1.5.
  EXPECT_EQ(y.select(0, 0).select(0, 2).to_vector<float>(), (std::vector<float>{0.1f * 36 - 1.5f, 0.1f * 37 - 1.5f, 0.1f * 38 - 1.5f, 0.1f * 39 - 1.5f}));
  std::ofstream(path, std::ios::binary | std::ios::trunc) << make("Relu").SerializeAsString();
  EXPECT_NE(strata::testing::error_of([&] { interop::import_onnx(path.string()); }).find("integer inputs are indices"),
            std::string::npos);
  fs::remove(path);
}

TEST(TensorLayers, ReflectAndEdgePaddingMatchNumPy) {
  // numpy.pad([[1,2,3],[4,5,6]], ((0,0),(2,1)), mode) per example
  const Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {1, 2, 3});
  nn::Pad reflect({{0, 0}, {2, 1}}, "reflect"), edge({{0, 0}, {2, 1}}, "edge");
  EXPECT_EQ(reflect(Variable(x)).value().to_vector<float>(),
            (std::vector<float>{3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5}));
  EXPECT_EQ(edge(Variable(x)).value().to_vector<float>(), (std::vector<float>{1, 1, 1, 2, 3, 3, 4, 4, 4, 5, 6, 6}));
}

TEST(OnnxImport, InputShapeOverrideRunsImageNetNetworksOnSmallerImages) {
  interop::OnnxImportOptions options;
  options.input_shapes["input"] = {3, 96, 96};
  auto m = interop::import_onnx(pretrained("onnx/mobilenetv2-1.0-fp32-dequant.onnx"), options);
  EXPECT_EQ(m->input_shape(), (Shape{3, 96, 96}));
  EXPECT_EQ(run(*m, Tensor::uniform({2, 3, 96, 96}, -1, 1)).shape(), (Shape{2, 1000}));
  options.input_shapes = {{"nope", {3, 96, 96}}};
  EXPECT_NE(strata::testing::error_of([&] { interop::import_onnx(pretrained("onnx/mnist-cntk.onnx"), options); }).find("not an input"),
            std::string::npos);
}

TEST(KerasImport, EveryRequiredLayerTypeMatchesAChannelsLastReference) {
  // tools/golden/make_keras_golden.py: a Keras 2 file with all 16 layer types and the output of
  // an independent NumPy (channels-last) implementation.
  const std::string file = std::string(STRATA_TEST_DATA_DIR) + "/data/keras_all_layers.h5";
  const auto golden = strata::testing::read_golden("keras_all_layers.json");
  const Tensor x = strata::testing::golden_tensor(golden["input_nhwc"], DType::f32).permute({0, 3, 1, 2}).contiguous();
  auto m = interop::import_keras_h5(file);
  EXPECT_EQ(m->input_shape(), (Shape{3, 8, 8}));
  std::set<std::string> types;
  for (const auto& l : m->layers()) types.insert(l->type());
  for (const char* t : {"InputLayer", "Conv2D", "SeparableConv2D", "DepthwiseConv2D", "BatchNormalization", "Activation", "ReLU",
                        "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "Dense", "Dropout", "Flatten", "Reshape",
                        "Add", "Concatenate"})
    EXPECT_TRUE(types.count(t)) << t;
  const Tensor expected = strata::testing::golden_tensor(golden["output"], DType::f32);
  EXPECT_LT(relative_error(run(*m, x), expected), 1e-5);
  // The weights-only file (save_weights layout) loads into the rebuilt architecture by name.
  auto rebuilt = models::model_from_config(m->config());
  interop::load_keras_weights(std::string(STRATA_TEST_DATA_DIR) + "/data/keras_all_layers_weights.h5", *rebuilt);
  EXPECT_LT(relative_error(run(*rebuilt, x), expected), 1e-5);
}

TEST(KerasImport, SequentialModelsWithTheInputShapeOnTheFirstLayer) {
  const auto golden = strata::testing::read_golden("keras_sequential.json");
  const Tensor x = strata::testing::golden_tensor(golden["input_nhwc"], DType::f32).permute({0, 3, 1, 2}).contiguous();
  auto m = interop::import_keras_h5(std::string(STRATA_TEST_DATA_DIR) + "/data/keras_sequential.h5");
  EXPECT_EQ(m->input_shape(), (Shape{2, 5, 5}));
  EXPECT_LT(relative_error(run(*m, x), strata::testing::golden_tensor(golden["output"], DType::f32)), 1e-5);
}
