#include "commands.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "dataset.h"
#include "strata/io/model_io.h"
#include "strata/metrics/classification.h"
#include "strata/models/builtin.h"
#include "strata/tensor/math.h"
#include "strata/train/callbacks.h"
#include "strata/train/training.h"

namespace strata::cli {
namespace {

std::shared_ptr<models::Model> model_from_spec_or_name(const std::string& model, const Shape& input_shape,
                                                       std::int64_t classes) {
  if (std::filesystem::path(model).extension() != ".json") return models::builtin_model(model, input_shape, classes);
  std::ifstream in(model);
  STRATA_CHECK(in.good(), "cannot open model spec '", model, "'");
  nlohmann::json spec;
  try {
    spec = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(detail::concat("model spec '", model, "' is not valid JSON: ", e.what()));
  }
  auto m = models::model_from_config(spec);
  m->ensure_built();
  STRATA_CHECK(m->built(), "model spec '", model, "' must start with an InputLayer giving the input shape");
  STRATA_CHECK(m->input_shape() == input_shape, "model spec '", model, "' expects input ", shape_str(m->input_shape()),
               " but the data has ", shape_str(input_shape));
  return m;
}

// Test-split report: predictions -> classification report with class names.
void print_report(train::Trainer& trainer, const data::LabelledImages& test) {
  const Tensor probabilities = trainer.predict(test.images);
  const auto logs = trainer.evaluate(test.images, test.labels);
  const auto report = metrics::classification_report(test.labels, argmax(probabilities, 1),
                                                      static_cast<std::int64_t>(test.class_names.size()));
  std::printf("\ntest loss %.4f, test accuracy %.4f (%lld images)\n\n%s", logs.at("loss"), report.accuracy,
              static_cast<long long>(test.images.size(0)), report.to_string(test.class_names).c_str());
}

}  // namespace

int run_train(const TrainOptions& o) {
  manual_seed(o.seed);
  std::printf("Loading %s\n", o.data.data.c_str());
  const auto train_split = load_split(o.data, "train");
  const auto test_split = load_split(o.data, "test");
  const Shape input_shape(train_split.images.shape().begin() + 1, train_split.images.shape().end());
  const auto classes = static_cast<std::int64_t>(train_split.class_names.size());
  std::printf("train %s, test %s, %lld classes\n\n", shape_str(train_split.images.shape()).c_str(),
              shape_str(test_split.images.shape()).c_str(), static_cast<long long>(classes));

  auto model = model_from_spec_or_name(o.model, input_shape, classes);
  std::printf("%s\n", model->summary().c_str());
  train::Trainer trainer =
      train::compile(model, o.optimizer, "sparse_categorical_crossentropy", {"accuracy"}, o.learning_rate);
  auto nan_guard = std::make_shared<train::TerminateOnNaN>();
  train::FitOptions fit;
  fit.epochs(o.epochs).batch_size(o.batch_size).validation_split(o.validation_split).verbose(o.verbose);
  fit.callbacks({nan_guard});
  trainer.fit(train_split.images, train_split.labels, fit);
  if (nan_guard->terminated()) {
    std::fprintf(stderr, "error: the loss became NaN or infinite; lower --lr and try again (the model was not saved)\n");
    return 3;
  }
  print_report(trainer, test_split);
  const auto parent = std::filesystem::path(o.output).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  io::save_model(o.output, *model, &trainer.optimizer(), trainer.training_config());
  std::printf("\nsaved the model to %s\n", o.output.c_str());
  return 0;
}

int run_evaluate(const std::string& model_path, const DataOptions& data) {
  const auto test = load_split(data, "test");
  train::Trainer trainer = train::restore(io::load_model(model_path));
  std::printf("Evaluating %s on the test split of %s\n", model_path.c_str(), data.data.c_str());
  print_report(trainer, test);
  return 0;
}

int run_summary(const std::string& model) {
  std::shared_ptr<models::Model> m;
  if (std::filesystem::path(model).extension() == ".strata")
    m = io::load_model(model).model;
  else
    m = model_from_spec_or_name(model, {1, 28, 28}, 10);
  std::printf("%s", m->summary().c_str());
  return 0;
}

int run_predict(const std::string& model_path, const DataOptions& data, long count, int top_k) {
  const auto test = load_split(data, "test");
  const std::int64_t n = std::min<std::int64_t>(count, test.images.size(0));
  train::Trainer trainer = train::restore(io::load_model(model_path));
  const Tensor p = trainer.predict(test.images.slice(0, 0, n).contiguous());
  const auto labels = test.labels.to_vector<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    std::vector<std::pair<double, std::int64_t>> scored;
    for (std::int64_t c = 0; c < p.size(1); ++c) scored.emplace_back(p.at({i, c}), c);
    std::partial_sort(scored.begin(), scored.begin() + std::min<std::int64_t>(top_k, p.size(1)), scored.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first; });
    std::printf("sample %lld (true: %s):", static_cast<long long>(i), test.class_names[labels[i]].c_str());
    for (int k = 0; k < top_k && k < p.size(1); ++k)
      std::printf("  %s %.3f", test.class_names[scored[k].second].c_str(), scored[k].first);
    std::printf("\n");
  }
  return 0;
}

}  // namespace strata::cli
