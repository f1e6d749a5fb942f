// Helpers the subcommands share (command.h).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "command.h"
#include "validators.h"
#include "strata/data/idx.h"
#include "strata/io/json_text.h"
#include "strata/models/builtin.h"
#include "strata/models/zoo.h"
#include "strata/tensor/math.h"

namespace strata::cli {

void add_data_options(CLI::App* cmd, strata::cli::DataOptions& d) {
  cmd->add_option("--data", d.data,
                  "fashion_mnist, a folder of MNIST-layout IDX files, or a folder with train/ and test/ "
                  "sub-folders of class folders of PNG/JPEG images")
      ->capture_default_str();
  cmd->add_option("--image-size", d.image_size, "Image folders: resize to this square size")
      ->capture_default_str()
      ->check(number_in(1, 8192));
  cmd->add_option("--channels", d.channels, "Image folders: 1 (gray) or 3 (RGB)")->capture_default_str()->check(CLI::IsMember({1, 3}));
  cmd->add_option("--limit", d.limit, "Use only the first N training samples (N/6 test samples); 0: all")
      ->capture_default_str()
      ->check(number_in(0, 1e12));
}
data::DatasetPtr load_split(const DataOptions& o, const std::string& split) {
  namespace fs = std::filesystem;
  data::DatasetPtr d;
  if (o.data == "fashion_mnist") {
    d = data::fashion_mnist(split);
  } else if (fs::is_directory(fs::path(o.data) / split)) {
    d = std::make_shared<data::ImageFolder>((fs::path(o.data) / split).string(), o.image_size, o.image_size, o.channels);
  } else {
    d = data::fashion_mnist(split, o.data);  // IDX files with the MNIST names
  }
  const long n = split == "train" ? o.limit : (o.limit > 0 ? std::max(1L, o.limit / 6) : 0);
  if (n <= 0 || n >= d->size()) return d;
  std::vector<std::int64_t> first(static_cast<std::size_t>(n));
  std::iota(first.begin(), first.end(), 0);
  return std::make_shared<data::Subset>(d, first);
}

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

}  // namespace strata::cli
