// `strata predict`: top-k classes with probabilities for image files, for texts (a model whose
// file names its tokenizer), or for the first test samples.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>

#include "command.h"
#include "validators.h"
#include "strata/data/class_names.h"
#include "strata/data/image_preprocessing.h"
#include "strata/io/model_io.h"
#include "strata/tensor/math.h"
#include "strata/text/tokenizer.h"
#include "strata/train/training.h"

namespace strata::cli {
namespace {

struct PredictOptions {
  std::string model;
  std::vector<std::string> images;  // default: the first `count` test samples
  std::vector<std::string> texts;   // for a model that reads text
  std::string tokenizer;            // overrides the one the model file names
  DataOptions data;
  long count = 5;
  int top_k = 3;
  std::string labels;  // class names file (overrides the model's)
};

void print_top_k(const std::string& label, const Tensor& probabilities, std::int64_t row, int top_k,
                 const std::vector<std::string>& class_names) {
  std::vector<std::pair<double, std::int64_t>> scored;
  for (std::int64_t c = 0; c < probabilities.size(1); ++c) scored.emplace_back(probabilities.at({row, c}), c);
  const auto k = std::min<std::int64_t>(top_k, probabilities.size(1));
  std::partial_sort(scored.begin(), scored.begin() + k, scored.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  std::printf("%s:", label.c_str());
  for (std::int64_t i = 0; i < k; ++i) {
    const auto c = scored[i].second;
    const std::string name = c < static_cast<std::int64_t>(class_names.size()) ? class_names[c] : std::to_string(c);
    std::printf("  %s %.3f", name.c_str(), scored[i].first);
  }
  std::printf("\n");
}

// Texts tokenized as the model was trained: its tokenizer (the file beside the model, or
// `tokenizer_file`) and its sequence length.
Tensor encode_texts(const io::ModelMetadata& metadata, const std::string& model_path, const std::string& tokenizer_file,
                    const std::vector<std::string>& texts) {
  STRATA_CHECK(metadata.reads_text() || !tokenizer_file.empty(), "predict --text: model '", model_path,
               "' reads tensors, not text (its file names no tokenizer; give one with --tokenizer)");
  STRATA_CHECK(metadata.sequence_length > 0, "predict --text: model '", model_path,
               "' does not record its sequence length (tokens per text)");
  const auto tok = text::Tokenizer::load(tokenizer_file.empty() ? metadata.tokenizer_path(model_path) : tokenizer_file);
  return tok.encode_batch(texts, metadata.sequence_length);
}

int run_predict(const PredictOptions& o) {
  STRATA_CHECK(o.images.empty() || o.texts.empty(), "predict: give image files or --text, not both");
  auto loaded = io::load_model(o.model);
  const io::ModelMetadata metadata = loaded.metadata;
  std::vector<std::string> class_names = metadata.class_names;
  data::ImagePreprocessing preprocessing;
  if (!metadata.preprocessing.is_null()) preprocessing = data::ImagePreprocessing::from_json(metadata.preprocessing);
  if (!o.labels.empty()) class_names = data::read_class_names(o.labels);
  train::Trainer trainer = train::restore(std::move(loaded));
  // Scores as probabilities [N, classes], whatever the output's trailing axes.
  auto probabilities = [&](const Tensor& batch) {
    Tensor p = trainer.predict(batch);
    p = p.reshape({p.size(0), -1});
    return metadata.from_logits ? kernels::softmax_forward(p, 1, false) : p;
  };
  if (!o.texts.empty()) {
    const Tensor p = probabilities(encode_texts(metadata, o.model, o.tokenizer, o.texts));
    for (std::size_t i = 0; i < o.texts.size(); ++i)
      print_top_k("\"" + o.texts[i] + "\"", p, static_cast<std::int64_t>(i), o.top_k, class_names);
    return 0;
  }
  if (!o.images.empty()) {
    // Image files, decoded and prepared as the model expects (size, channels, normalization).
    const Shape s = trainer.model().input_shape();
    Tensor batch = Tensor::empty({static_cast<std::int64_t>(o.images.size()), s[0], s[1], s[2]});
    for (std::size_t i = 0; i < o.images.size(); ++i)
      batch.select(0, static_cast<std::int64_t>(i)).copy_(preprocessing.load(o.images[i], s));
    const Tensor p = probabilities(batch);
    for (std::size_t i = 0; i < o.images.size(); ++i) print_top_k(o.images[i], p, static_cast<std::int64_t>(i), o.top_k, class_names);
    return 0;
  }
  const auto test_set = load_split(o.data, "test");
  if (class_names.empty()) class_names = test_set->class_names();
  const std::int64_t n = std::min<std::int64_t>(o.count, test_set->size());
  const data::Example test = test_set->get_batch(range(0, n));
  const Tensor p = probabilities(test.input);
  const auto truths = test.target.to_vector<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::string truth = truths[i] < static_cast<std::int64_t>(class_names.size()) ? class_names[truths[i]] : std::to_string(truths[i]);
    print_top_k("test sample " + std::to_string(i) + " (true: " + truth + ")", p, i, o.top_k, class_names);
  }
  return 0;
}

}  // namespace

void add_predict(CLI::App& app, Run& selected) {
  auto [o, cmd] = add_command<PredictOptions>(
      app, selected, "predict", "Top-k classes with probabilities for image files, texts (or test samples)",
      [](const PredictOptions& p) { return run_predict(p); });
  cmd->add_option("model", o->model, "A .strata model file")->required();
  cmd->add_option("images", o->images, "PNG/JPEG files (default: the first --count test samples)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--text", o->texts, "Texts to classify (a model whose file names its tokenizer)");
  cmd->add_option("--tokenizer", o->tokenizer, "SentencePiece model to use instead of the one beside the model")
      ->check(CLI::ExistingFile);
  add_data_options(cmd, o->data);
  cmd->add_option("--count", o->count, "How many samples")->capture_default_str()->check(number_in(1, 1e9));
  cmd->add_option("--top-k", o->top_k, "Classes per sample")->capture_default_str()->check(number_in(1, 1e6));
  cmd->add_option("--labels", o->labels, "Class names file (overrides the model's)")->check(CLI::ExistingFile);
}

}  // namespace strata::cli
