// The readers the fuzz targets exercise, by target name: each takes a file as a user's file
// arrives (a path) and a variant number that picks among a reader's modes. Shared by the fuzz
// targets (fuzz/fuzz_target.cpp) and the suite's replay of every finding kept in
// tests/data/fuzz_regressions/<target>/ (tests/test_fuzz_regressions.cpp).
#pragma once

#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include "strata/data/augment.h"
#include "strata/data/dataset.h"
#include "strata/data/idx.h"
#include "strata/data/image_io.h"
#include "strata/interop/keras_archive.h"
#include "strata/interop/keras_h5.h"
#include "strata/interop/onnx_import.h"
#include "strata/io/json_text.h"
#include "strata/io/model_io.h"
#include "strata/io/npy.h"
#include "strata/models/model.h"
#include "strata/nn/layers.h"
#include "strata/tune/space.h"

namespace strata::fuzz {

using Reader = std::function<void(const std::string& path, std::size_t variant)>;

inline std::string text_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs f and ignores a strata::Error: for readers tried in two modes on one input.
template <class Fn>
void either(Fn&& f) {
  try {
    f();
  } catch (const Error&) {
  }
}

inline const std::map<std::string, Reader>& readers() {
  static const std::map<std::string, Reader> table = {
      {"model_file", [](const std::string& p, std::size_t) { io::load_model(p); }},
      {"weights_file",
       [](const std::string& p, std::size_t) {  // into a small fixed model, by position and by name
         auto model = std::make_shared<models::Sequential>(
             Shape{1, 8, 8}, std::vector<nn::LayerPtr>{layers::Conv2D(2, 3), layers::Flatten(), layers::Dense(3)});
         either([&] { io::load_weights(p, *model); });
         io::load_weights(p, *model, io::MatchBy::name);
       }},
      {"idx", [](const std::string& p, std::size_t) { data::read_idx(p); }},
      {"cifar",
       [](const std::string& p, std::size_t v) {
         either([&] { data::cifar_dataset({p}, false); });
         data::cifar_dataset({p}, true, v % 2 == 0);
       }},
      {"csv",
       [](const std::string& p, std::size_t v) {
         data::CsvOptions o;
         o.skip_bad_rows = v % 2 == 0;
         data::csv_dataset(p, o);
       }},
      {"image", [](const std::string& p, std::size_t v) { data::read_image(p, v % 2 ? 1 : 3, 16, 16); }},
      {"npy", [](const std::string& p, std::size_t) { io::read_npy(p); }},
      {"onnx",
       [](const std::string& p, std::size_t v) {
         interop::OnnxImportOptions o;
         o.leading_batch_axis = v % 2 == 0;
         interop::import_onnx(p, o);
       }},
      {"keras_h5", [](const std::string& p, std::size_t) { interop::import_keras_h5(p); }},
      {"keras_archive", [](const std::string& p, std::size_t) { interop::import_keras_archive(p); }},
      {"model_spec",
       [](const std::string& p, std::size_t) {
         // A spec may ask for a huge model, which is its author's right: weights are bounded here
         // so the target looks for crashes in reading and validating, not for big allocations.
         nn::WeightBudget budget(std::int64_t{1} << 24, "fuzz");
         auto model = models::model_from_config(io::parse_json(text_of(p), "spec"));
         model->ensure_built();
         model->summary();
       }},
      {"augment_spec",
       [](const std::string& p, std::size_t v) {
         const auto augmentation = data::parse_augmentation(text_of(p));
         Generator gen(v);
         augmentation.apply(Tensor::full({3, 8, 8}, 0.5), gen);
       }},
      {"search_space",
       [](const std::string& p, std::size_t) {
         const auto space = tune::SearchSpace::from_json(io::parse_json<nlohmann::ordered_json>(text_of(p), "space"));
         Generator gen(1);
         for (int i = 0; i < 3; ++i) space.sample(gen);
       }},
  };
  return table;
}

}  // namespace strata::fuzz
