#include "commands.h"
#include "strata/io/json_text.h"
#include "strata/io/text_file.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "dataset.h"
#include "strata/data/augment.h"
#include "strata/data/class_names.h"
#include "strata/data/image_preprocessing.h"
#include "strata/data/image_io.h"
#include "strata/data/loader.h"
#include "strata/io/model_io.h"
#include "strata/metrics/classification.h"
#include "strata/models/builtin.h"
#include "strata/models/zoo.h"
#include "strata/tensor/math.h"
#include "strata/train/callbacks.h"
#include "strata/train/training.h"

namespace strata::cli {
namespace {

std::shared_ptr<models::Model> model_from_spec_or_name(const std::string& model, const Shape& input_shape,
                                                       std::int64_t classes) {
  const auto zoo = models::zoo_names();
  if (std::find(zoo.begin(), zoo.end(), model) != zoo.end())
    return models::zoo(model, models::ZooOptions().input_shape(input_shape).classes(classes).small_input(
                                  models::needs_small_input(input_shape)));
  if (std::filesystem::path(model).extension() != ".json") return models::builtin_model(model, input_shape, classes);
  std::ifstream in(model);
  STRATA_CHECK(in.good(), "cannot open model spec '", model, "'");
  auto m = models::model_from_config(io::parse_json(in, "model spec '" + model + "'"));
  m->ensure_built();
  STRATA_CHECK(m->built(), "model spec '", model, "' must start with an InputLayer giving the input shape");
  STRATA_CHECK(m->input_shape() == input_shape, "model spec '", model, "' expects input ", shape_str(m->input_shape()),
               " but the data has ", shape_str(input_shape));
  return m;
}

// Test-split report: predictions -> classification report with class names.
metrics::ClassificationReport print_report(train::Trainer& trainer, const data::Dataset& test_set) {
  const data::Example test = data::to_tensors(test_set);
  const Tensor probabilities = trainer.predict(test.input);
  const auto logs = trainer.evaluate(test.input, test.target);
  const auto names = test_set.class_names();
  const auto report = metrics::classification_report(test.target, argmax(probabilities, 1),
                                                      static_cast<std::int64_t>(names.size()));
  std::printf("\ntest loss %.4f, test accuracy %.4f (%lld images)\n\n%s", logs.at("loss"), report.accuracy,
              static_cast<long long>(test.input.size(0)), report.to_string(names).c_str());
  return report;
}

std::vector<std::int64_t> range(std::int64_t begin, std::int64_t end) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(end - begin));
  std::iota(v.begin(), v.end(), begin);
  return v;
}

}  // namespace

void ensure_parent_folder(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
}

nlohmann::ordered_json read_json_file(const std::string& path, const char* what) {
  std::ifstream in(path);
  STRATA_CHECK(in.good(), "cannot open ", what, " '", path, "'");
  return io::parse_json<nlohmann::ordered_json>(in, detail::concat(what, " '", path, "'"));
}

std::string read_augment_spec(const std::string& spec_or_file) {
  if (spec_or_file.empty() || !std::filesystem::is_regular_file(spec_or_file)) return spec_or_file;
  std::ifstream in(spec_or_file);
  std::stringstream text;
  text << in.rdbuf();
  std::string spec = text.str();
  for (char& c : spec)
    if (c == '\n' || c == '\r') c = ',';
  return spec;
}

int run_train(const TrainOptions& o) {
  // The outputs' location is checked before any training, not after the last epoch.
  const auto parent = std::filesystem::path(o.output).parent_path();
  const auto history_path = (parent.empty() ? std::filesystem::path(".") : parent) / "history.json";
  io::check_writable(o.output);
  io::check_writable(history_path.string());
  manual_seed(o.seed);
  std::printf("Loading %s\n", o.data.data.c_str());
  const auto full = load_split(o.data, "train");
  const auto test = load_split(o.data, "test");
  const Shape input_shape = full->input_shape();
  const auto classes = static_cast<std::int64_t>(full->class_names().size());
  // Keras' validation_split: the last fraction of the training data, before shuffling.
  const auto n_val = static_cast<std::int64_t>(double(full->size()) * o.validation_split);
  const auto train_set = std::make_shared<data::Subset>(full, range(0, full->size() - n_val));
  const auto val_set = n_val > 0 ? std::make_shared<data::Subset>(full, range(full->size() - n_val, full->size())) : nullptr;
  std::printf("train %s, validation %lld, test %lld examples\n\n", train_set->describe().c_str(),
              static_cast<long long>(n_val), static_cast<long long>(test->size()));

  auto model = model_from_spec_or_name(o.model, input_shape, classes);
  std::printf("%s\n", model->summary().c_str());
  train::Trainer trainer =
      train::compile(model, o.optimizer, "sparse_categorical_crossentropy", {"accuracy"}, o.learning_rate);
  data::LoaderOptions loader_options;
  loader_options.batch_size = o.batch_size;
  loader_options.seed = trainer.seed();
  loader_options.workers = o.workers;
  const std::string spec = read_augment_spec(o.augment);
  if (!spec.empty()) {
    loader_options.augmentation = std::make_shared<data::Augmentation>(data::parse_augmentation(spec));
    std::printf("augmentation: %s\n\n", loader_options.augmentation->spec().c_str());
  }
  data::DataLoader train_loader(train_set, loader_options);
  std::unique_ptr<data::DataLoader> val_loader;
  if (val_set) {
    data::LoaderOptions val_options;
    val_options.batch_size = 256;
    val_options.shuffle = false;
    val_loader = std::make_unique<data::DataLoader>(val_set, val_options);
  }
  auto nan_guard = std::make_shared<train::TerminateOnNaN>();
  train::FitOptions fit;
  fit.epochs(o.epochs).verbose(o.verbose).callbacks({nan_guard});
  const train::History history = trainer.fit(train_loader, fit, val_loader.get());
  if (nan_guard->terminated()) {
    std::fprintf(stderr, "error: the loss became NaN or infinite; lower --lr and try again (the model was not saved)\n");
    return 3;
  }
  print_report(trainer, *test);
  nlohmann::json training_config = trainer.training_config();
  training_config["class_names"] = full->class_names();  // for `strata predict` on image files
  io::save_model(o.output, *model, &trainer.optimizer(), training_config);
  // The run's history beside the model, for `strata report`.
  io::write_text_file(history_path.string(), history.to_json().dump(1));
  std::printf("\nsaved the model to %s and its history to %s\n", o.output.c_str(), history_path.c_str());
  return 0;
}

int run_augment_preview(const AugmentPreviewOptions& o) {
  const auto dataset = load_split(o.data, "train");
  const data::Augmentation augmentation = data::parse_augmentation(read_augment_spec(o.augment));
  const Shape s = dataset->input_shape();
  STRATA_CHECK(s.size() == 3, "augment: the data set's inputs are not images (shape ", shape_str(s), ")");
  // A grid: one row per sample, the original first, then augmented copies; 1-pixel gutters;
  // small images are enlarged so a person can see the details.
  const std::int64_t scale = s[1] < 64 ? 4 : 1, h = s[1] * scale, w = s[2] * scale, gap = 2;
  const std::int64_t rows = o.samples, cols = o.copies + 1;
  Tensor grid = Tensor::ones({s[0], rows * (h + gap) + gap, cols * (w + gap) + gap});
  Generator gen(o.seed);
  for (std::int64_t r = 0; r < rows; ++r) {
    const Tensor original = dataset->get(r % dataset->size()).input;
    for (std::int64_t c = 0; c < cols; ++c) {
      const Tensor image = c == 0 ? original : augmentation.apply(original, gen);
      const Tensor big = scale == 1 ? image : data::resize(image, h, w);
      grid.slice(1, gap + r * (h + gap), gap + r * (h + gap) + h).slice(2, gap + c * (w + gap), gap + c * (w + gap) + w).copy_(big);
    }
  }
  ensure_parent_folder(o.output);
  data::write_png(o.output, grid);
  std::printf("augmentation: %s\nwrote %s (%lld rows: the original, then %d augmented copies)\n",
              augmentation.spec().c_str(), o.output.c_str(), static_cast<long long>(rows), o.copies);
  return 0;
}

int run_evaluate(const std::string& model_path, const DataOptions& data, const std::string& json_path) {
  const auto test = load_split(data, "test");
  train::Trainer trainer = train::restore(io::load_model(model_path));
  std::printf("Evaluating %s on the test split of %s\n", model_path.c_str(), data.data.c_str());
  const auto report = print_report(trainer, *test);
  if (!json_path.empty()) {
    io::write_text_file(json_path, evaluation_json(report, test->class_names()).dump(2) + "\n");
    std::printf("wrote %s\n", json_path.c_str());
  }
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

namespace {
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
}  // namespace

int run_predict(const std::string& model_path, const std::vector<std::string>& images, const DataOptions& data,
                long count, int top_k, const std::string& labels) {
  auto loaded = io::load_model(model_path);
  std::vector<std::string> class_names;
  data::ImagePreprocessing preprocessing;
  bool from_logits = false;
  if (!loaded.training_config.is_null()) {
    class_names = loaded.training_config.value("class_names", std::vector<std::string>{});
    if (loaded.training_config.contains("preprocessing"))
      preprocessing = data::ImagePreprocessing::from_json(loaded.training_config["preprocessing"]);
    from_logits = loaded.training_config.value("from_logits", false);
  }
  if (!labels.empty()) class_names = data::read_class_names(labels);
  train::Trainer trainer = train::restore(std::move(loaded));
  // Scores as probabilities [N, classes], whatever the output's trailing axes.
  auto probabilities = [&](const Tensor& batch) {
    Tensor p = trainer.predict(batch);
    p = p.reshape({p.size(0), -1});
    return from_logits ? kernels::softmax_forward(p, 1, false) : p;
  };
  if (!images.empty()) {
    // Image files, decoded and prepared as the model expects (size, channels, normalization).
    const Shape s = trainer.model().input_shape();
    Tensor batch = Tensor::empty({static_cast<std::int64_t>(images.size()), s[0], s[1], s[2]});
    for (std::size_t i = 0; i < images.size(); ++i)
      batch.select(0, static_cast<std::int64_t>(i)).copy_(preprocessing.load(images[i], s));
    const Tensor p = probabilities(batch);
    for (std::size_t i = 0; i < images.size(); ++i) print_top_k(images[i], p, static_cast<std::int64_t>(i), top_k, class_names);
    return 0;
  }
  const auto test_set = load_split(data, "test");
  if (class_names.empty()) class_names = test_set->class_names();
  const std::int64_t n = std::min<std::int64_t>(count, test_set->size());
  const data::Example test = test_set->get_batch(range(0, n));
  const Tensor p = probabilities(test.input);
  const auto truths = test.target.to_vector<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::string truth = truths[i] < static_cast<std::int64_t>(class_names.size()) ? class_names[truths[i]] : std::to_string(truths[i]);
    print_top_k("test sample " + std::to_string(i) + " (true: " + truth + ")", p, i, top_k, class_names);
  }
  return 0;
}

}  // namespace strata::cli
