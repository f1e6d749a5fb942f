// Functional models with several inputs and outputs: Model({a, b}, {class, value}) trains with
// a loss, metrics and a weight per output, reports each output's figures, and saves, loads,
// resumes and goes through ONNX with every output intact. Bad combinations are errors.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_helpers.h"

#include "strata/interop/onnx_export.h"
#include "strata/interop/onnx_import.h"
#include "strata/io/model_io.h"
#include "strata/nn/layers.h"
#include "strata/tensor/math.h"
#include "strata/train/training.h"

using namespace strata;
namespace fs = std::filesystem;

namespace {

// Two inputs a [N,4] and b [N,3]; the class is which of a[:, :3] + b is largest, the value is
// the sum of a (a regression target). Both are learnable from the two inputs together only.
struct TwoHeadData {
  Tensor a, b, labels, values;
};
TwoHeadData two_head_data(std::int64_t n, std::uint64_t seed) {
  Generator gen(seed);
  TwoHeadData d{Tensor::uniform({n, 4}, -1, 1, DType::f32, &gen), Tensor::uniform({n, 3}, -1, 1, DType::f32, &gen), {}, {}};
  d.labels = argmax(add(d.a.slice(1, 0, 3), d.b), 1);
  d.values = sum(d.a, {1}, true);
  return d;
}

std::shared_ptr<models::Model> two_head_model() {
  auto a = nn::Input({4}, "a"), b = nn::Input({3}, "b");
  auto h = layers::Dense(32, "relu")(layers::Concatenate()({a, b}));
  auto cls = layers::Dense(nn::DenseOptions(3).activation("softmax").name("cls"))(h);
  auto value = layers::Dense(nn::DenseOptions(1).name("value"))(h);
  return std::make_shared<models::Model>(std::vector<nn::SymbolicTensor>{a, b}, std::vector<nn::SymbolicTensor>{cls, value},
                                         "two_heads");
}

fs::path temp_path(const std::string& name) { return fs::temp_directory_path() / ("strata_multi_output_" + name); }

}  // namespace

TEST(MultiOutput, TrainsWithPerOutputLossesWeightsAndMetrics) {
  manual_seed(21);
  const TwoHeadData train = two_head_data(2000, 1), test = two_head_data(500, 2);
  auto model = two_head_model();
  EXPECT_EQ(model->num_inputs(), 2u);
  EXPECT_EQ(model->output_names(), (std::vector<std::string>{"cls", "value"}));
  EXPECT_EQ(model->output_shapes(), (std::vector<Shape>{{3}, {1}}));
  const std::string summary = model->summary();
  EXPECT_NE(summary.find("cls (Dense)"), std::string::npos);
  EXPECT_NE(summary.find("value (Dense)"), std::string::npos);

  auto trainer = train::compile(model, "adam", {{"sparse_categorical_crossentropy", {"accuracy"}}, {"mse", {"mae"}, 0.5}}, 0.01);
  const train::Logs before = trainer.evaluate({test.a, test.b}, {test.labels, test.values});
  const auto history = trainer.fit({train.a, train.b}, {train.labels, train.values},
                                   train::FitOptions().epochs(15).batch_size(64).validation_split(0.1).verbose(0));
  for (const char* key : {"loss", "cls_loss", "value_loss", "cls_accuracy", "value_mae", "val_loss", "val_cls_accuracy",
                          "val_value_mae"})
    EXPECT_TRUE(history.values.count(key)) << key;
  const train::Logs after = trainer.evaluate({test.a, test.b}, {test.labels, test.values});
  // The total is the weighted sum of the outputs' losses (no regularization here).
  EXPECT_NEAR(after.at("loss"), after.at("cls_loss") + 0.5 * after.at("value_loss"), 1e-4);
  EXPECT_LT(after.at("cls_loss"), before.at("cls_loss") * 0.5);
  EXPECT_LT(after.at("value_loss"), before.at("value_loss") * 0.2);
  EXPECT_GT(after.at("cls_accuracy"), 0.85) << after.at("cls_accuracy");  // chance is 1/3
  EXPECT_LT(after.at("value_mae"), 0.25) << after.at("value_mae");  // the value's spread is about 1.15

  const std::vector<Tensor> outputs = trainer.predict_outputs({test.a, test.b}, 128);
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(outputs[0].shape(), (Shape{500, 3}));
  EXPECT_EQ(outputs[1].shape(), (Shape{500, 1}));
  EXPECT_NE(strata::testing::error_of([&] { trainer.predict(test.a); }).find("takes 2 input(s) but 1"), std::string::npos);
}

// A zero weight takes an output out of the gradient: its head does not learn.
TEST(MultiOutput, ALossWeightOfZeroLeavesThatHeadUntrained) {
  manual_seed(22);
  const TwoHeadData d = two_head_data(512, 3);
  auto model = two_head_model();
  const Tensor value_kernel = model->get_layer("value")->weights()[0]->variable.value().clone();
  auto trainer = train::compile(model, "sgd", {{"sparse_categorical_crossentropy"}, {"mse", {}, 0.0}}, 0.1);
  trainer.fit({d.a, d.b}, {d.labels, d.values}, train::FitOptions().epochs(2).verbose(0));
  EXPECT_EQ(max_abs_diff(model->get_layer("value")->weights()[0]->variable.value(), value_kernel), 0.0);
}

TEST(MultiOutput, SavesLoadsResumesAndExportsEveryOutput) {
  manual_seed(23);
  const TwoHeadData d = two_head_data(600, 4);
  auto model = two_head_model();
  auto trainer = train::compile(model, "adam", {{"sparse_categorical_crossentropy", {"accuracy"}}, {"mse", {"mae"}, 0.5}});
  trainer.fit({d.a, d.b}, {d.labels, d.values}, train::FitOptions().epochs(2).verbose(0));
  const auto expected = trainer.predict_outputs({d.a, d.b});

  const fs::path path = temp_path("model.strata");
  io::save_model(path.string(), *model, &trainer.optimizer(), trainer.training_config());
  auto resumed = train::restore(io::load_model(path.string()));
  ASSERT_EQ(resumed.model().num_outputs(), 2u);
  EXPECT_EQ(resumed.model().output_names(), model->output_names());
  const auto loaded = resumed.predict_outputs({d.a, d.b});
  for (std::size_t k = 0; k < 2; ++k) EXPECT_EQ(max_abs_diff(loaded[k], expected[k]), 0.0) << k;
  ASSERT_EQ(resumed.outputs().size(), 2u);
  EXPECT_EQ(resumed.outputs()[1].weight, 0.5);
  const train::Logs a = trainer.evaluate({d.a, d.b}, {d.labels, d.values}), b = resumed.evaluate({d.a, d.b}, {d.labels, d.values});
  for (const char* key : {"loss", "cls_loss", "value_loss", "cls_accuracy", "value_mae"}) EXPECT_DOUBLE_EQ(a.at(key), b.at(key)) << key;
  resumed.fit({d.a, d.b}, {d.labels, d.values}, train::FitOptions().epochs(1).verbose(0));  // training goes on
  fs::remove(path);

  // ONNX: two graph inputs, two graph outputs, the same values.
  const fs::path onnx = temp_path("model.onnx");
  interop::export_onnx(*model, onnx.string());
  auto back = interop::import_onnx(onnx.string());
  ASSERT_EQ(back->num_outputs(), 2u);
  const auto again = back->call_outputs({Variable(d.a), Variable(d.b)}, false);
  for (std::size_t k = 0; k < 2; ++k) EXPECT_EQ(max_abs_diff(again[k].value(), expected[k]), 0.0) << k;
  fs::remove(onnx);
}

TEST(MultiOutput, MismatchesAreClearErrors) {
  const TwoHeadData d = two_head_data(64, 5);
  auto model = two_head_model();
  EXPECT_NE(strata::testing::error_of([&] { train::compile(model, "adam", "mse"); }).find("has 2 output(s) but 1 loss(es)"),
            std::string::npos);
  auto trainer = train::compile(model, "adam", {{"sparse_categorical_crossentropy"}, {"mse"}});
  EXPECT_NE(strata::testing::error_of([&] { trainer.fit({d.a}, {d.labels, d.values}); }).find("takes 2 input(s) and 2 target(s)"),
            std::string::npos);
  EXPECT_NE(strata::testing::error_of([&] { trainer.fit({d.a, d.b.slice(0, 0, 10)}, {d.labels, d.values}); }).find("64 samples"),
            std::string::npos);
  EXPECT_NE(strata::testing::error_of([&] {
              trainer.fit({d.a, d.b}, {d.labels, d.values}, train::FitOptions().class_weight({{0, 2.0}}));
            }).find("class_weight is for a model with one output"),
            std::string::npos);
  EXPECT_NE(strata::testing::error_of([&] { train::compile(model, "adam", {{"mse"}, {"mse", {}, -1.0}}); }).find("loss weights"),
            std::string::npos);
  // Run as a single-output layer, a model must have one output.
  EXPECT_NE(strata::testing::error_of([&] { model->call({Variable(d.a), Variable(d.b)}, false); }).find("has 2 outputs"),
            std::string::npos);
}

// A layer with several outputs in a graph: LSTM(return_state) gives {sequence, h, c}; each is a
// tensor of the graph, the values equal the eager call_with_states, gradients flow through the
// states, and the model saves and loads with every edge.
TEST(MultiOutput, RecurrentStatesAreOutputsOfTheGraph) {
  manual_seed(24);
  auto x = nn::Input({6, 3}, "x");
  auto lstm = layers::LSTM(nn::RecurrentOptions(5).return_sequences(true).return_state(true).name("encoder"));
  const auto outs = lstm->all_outputs({x});
  ASSERT_EQ(outs.size(), 3u);
  EXPECT_EQ(outs[0].shape(), (Shape{6, 5}));
  EXPECT_EQ(outs[1].shape(), (Shape{5}));
  EXPECT_EQ(outs[2].shape(), (Shape{5}));
  auto from_h = layers::Dense(nn::DenseOptions(2).name("from_h"))(outs[1]);
  auto model = std::make_shared<models::Model>(std::vector<nn::SymbolicTensor>{x},
                                               std::vector<nn::SymbolicTensor>{from_h, outs[2]}, "states");
  EXPECT_EQ(model->output_names(), (std::vector<std::string>{"from_h", "encoder_2"}));

  const Tensor batch = Tensor::normal({4, 6, 3}, 0, 1);
  const auto got = model->call_outputs({Variable(batch)}, false);
  const auto eager = lstm->call_with_states(Variable(batch), {}, false);
  EXPECT_EQ(max_abs_diff(got[1].value(), eager[2].value()), 0.0);  // c
  const auto dense = model->get_layer("from_h");
  EXPECT_EQ(max_abs_diff(got[0].value(), dense->call({eager[1]}, false).value()), 0.0);  // Dense(h)

  // Trained on the state: the recurrent kernel gets gradients through h.
  auto trainer = train::compile(model, "adam", {{"mse"}, {"mse", {}, 0.0}});
  const Tensor before = lstm->weights()[1]->variable.value().clone();
  trainer.fit({batch}, {Tensor::normal({4, 2}, 0, 1), Tensor::zeros({4, 5})}, train::FitOptions().epochs(2).verbose(0));
  EXPECT_GT(max_abs_diff(lstm->weights()[1]->variable.value(), before), 0.0);

  // Config and file round trips keep the [layer, output] edges.
  const nlohmann::json config = model->config();
  EXPECT_EQ(config["config"]["output_layers"][1], nlohmann::json({"encoder", 2}));
  const fs::path path = temp_path("states.strata");
  io::save_model(path.string(), *model);
  auto loaded = io::load_model(path.string()).model;
  const auto again = loaded->call_outputs({Variable(batch)}, false);
  const auto now = model->call_outputs({Variable(batch)}, false);
  for (std::size_t k = 0; k < 2; ++k) EXPECT_EQ(max_abs_diff(again[k].value(), now[k].value()), 0.0) << k;
  fs::remove(path);
  // Exporters that cannot write several outputs of one layer say so.
  EXPECT_NE(strata::testing::error_of([&] { interop::export_onnx(*model, temp_path("states.onnx").string()); })
                .find("several outputs (return_state)"),
            std::string::npos);

  auto gru = layers::GRU(nn::RecurrentOptions(4).return_state(true));
  EXPECT_EQ(gru->all_outputs({x}).size(), 2u);
  EXPECT_EQ(layers::GRU(4)->all_outputs({x}).size(), 1u);  // without return_state: the output only
}
