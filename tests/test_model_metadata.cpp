// io::ModelMetadata: the typed view of what a model file says about its data (class names,
// preprocessing, logits), kept in the training config JSON as files have always stored it.
#include <gtest/gtest.h>

#include <filesystem>

#include "strata/io/model_io.h"
#include "strata/models/builtin.h"
#include "test_helpers.h"

using namespace strata;

TEST(ModelMetadata, ReadsWhatTrainAndImportHaveAlwaysWritten) {
  // The training config as `strata train` and `strata import` wrote it before the type existed.
  const auto old = nlohmann::json::parse(R"({"loss": "sparse_categorical_crossentropy", "from_logits": true,
      "metrics": ["accuracy"], "seed": 42, "class_names": ["cat", "dog"], "imported_from": "m.onnx",
      "preprocessing": {"scale": 0.0039215686, "mean": [0], "std": [1]}})");
  const auto m = io::ModelMetadata::from_training_config(old);
  EXPECT_EQ(m.class_names, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_TRUE(m.from_logits);
  EXPECT_EQ(m.imported_from, "m.onnx");
  EXPECT_EQ(m.preprocessing, old.at("preprocessing"));
  nlohmann::json written = {{"loss", "sparse_categorical_crossentropy"}, {"metrics", {"accuracy"}}, {"seed", 42}};
  m.write_to(written);
  EXPECT_EQ(written, old);
  EXPECT_TRUE(io::ModelMetadata::from_training_config(nullptr).class_names.empty());
  EXPECT_NE(strata::testing::error_of([] { io::ModelMetadata::from_training_config({{"class_names", 3}}); })
                .find("metadata is malformed"),
            std::string::npos);
}

TEST(ModelMetadata, TravelsWithTheModelFile) {
  auto model = models::builtin_model("mlp", {1, 4, 4}, 3);
  io::ModelMetadata m;
  m.class_names = {"a", "b", "c"};
  m.from_logits = true;
  nlohmann::json config = {{"loss", "sparse_categorical_crossentropy"}};
  m.write_to(config);
  const auto path = std::filesystem::temp_directory_path() / "strata_metadata.strata";
  io::save_model(path.string(), *model, nullptr, config);
  const auto loaded = io::load_model(path.string());
  EXPECT_EQ(loaded.metadata.class_names, m.class_names);
  EXPECT_TRUE(loaded.metadata.from_logits);
  EXPECT_TRUE(loaded.metadata.preprocessing.is_null());
  std::filesystem::remove(path);
}
