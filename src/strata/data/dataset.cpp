#include "strata/data/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "strata/data/idx.h"
#include "strata/data/image_io.h"
#include "strata/data/number_text.h"

#include "strata/tensor/math.h"

namespace strata::data {

// ---------------------------------------------------------------- Dataset
Example Dataset::get_batch(const std::vector<std::int64_t>& indices) const {
  STRATA_CHECK(!indices.empty(), "get_batch: no indices");
  std::vector<Example> examples;
  examples.reserve(indices.size());
  for (auto i : indices) examples.push_back(get(i));
  auto stack = [&](auto member) {
    const Tensor& first = examples[0].*member;
    Shape shape{static_cast<std::int64_t>(examples.size())};
    shape.insert(shape.end(), first.shape().begin(), first.shape().end());
    Tensor out = Tensor::empty(shape, first.dtype());
    for (std::size_t i = 0; i < examples.size(); ++i) {
      const Tensor& t = examples[i].*member;
      STRATA_CHECK(t.shape() == first.shape(), "get_batch: example ", indices[i], " has shape ", shape_str(t.shape()),
                   " but example ", indices[0], " has ", shape_str(first.shape()));
      out.select(0, static_cast<std::int64_t>(i)).copy_(t);
    }
    return out;
  };
  return {stack(&Example::input), stack(&Example::target)};
}

std::string Dataset::describe() const {
  std::string s = std::to_string(size()) + " examples of " + shape_str(input_shape());
  if (!class_names().empty()) s += ", " + std::to_string(class_names().size()) + " classes";
  return s;
}

Example to_tensors(const Dataset& dataset) {
  std::vector<std::int64_t> all(static_cast<std::size_t>(dataset.size()));
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::int64_t>(i);
  return dataset.get_batch(all);
}

// ---------------------------------------------------------------- TensorDataset, Subset
TensorDataset::TensorDataset(Tensor inputs, Tensor targets, std::vector<std::string> class_names)
    : inputs_(inputs.contiguous()), targets_(targets.contiguous()), class_names_(std::move(class_names)) {
  STRATA_CHECK(inputs_.dim() >= 1 && targets_.dim() >= 1 && inputs_.size(0) == targets_.size(0),
               "TensorDataset: inputs ", shape_str(inputs_.shape()), " and targets ", shape_str(targets_.shape()),
               " must have the same number of rows");
}

TensorDataset::TensorDataset(std::vector<Tensor> inputs, std::vector<Tensor> targets) {
  STRATA_CHECK(!inputs.empty() && !targets.empty(), "TensorDataset: needs at least one input and one target tensor");
  for (const auto* list : {&inputs, &targets})
    for (const Tensor& t : *list)
      STRATA_CHECK(t.defined() && t.dim() >= 1 && t.size(0) == inputs[0].size(0), "TensorDataset: every tensor needs ",
                   inputs[0].size(0), " rows (the first input's), but one has shape ",
                   t.defined() ? shape_str(t.shape()) : std::string("(undefined)"));
  inputs_ = inputs[0].contiguous();
  targets_ = targets[0].contiguous();
  for (std::size_t i = 1; i < inputs.size(); ++i) more_inputs_.push_back(inputs[i].contiguous());
  for (std::size_t i = 1; i < targets.size(); ++i) more_targets_.push_back(targets[i].contiguous());
}

Example TensorDataset::get(std::int64_t index) const {
  STRATA_CHECK(index >= 0 && index < size(), "dataset: index ", index, " is outside [0, ", size(), ")");
  Example e{inputs_.select(0, index).clone(), targets_.select(0, index).clone(), {}, {}};
  for (const Tensor& t : more_inputs_) e.more_inputs.push_back(t.select(0, index).clone());
  for (const Tensor& t : more_targets_) e.more_targets.push_back(t.select(0, index).clone());
  return e;
}

Example TensorDataset::get_batch(const std::vector<std::int64_t>& indices) const {
  Example e{gather_rows(inputs_, indices), gather_rows(targets_, indices), {}, {}};
  for (const Tensor& t : more_inputs_) e.more_inputs.push_back(gather_rows(t, indices));
  for (const Tensor& t : more_targets_) e.more_targets.push_back(gather_rows(t, indices));
  return e;
}

Shape TensorDataset::input_shape() const { return Shape(inputs_.shape().begin() + 1, inputs_.shape().end()); }

Subset::Subset(DatasetPtr base, std::vector<std::int64_t> indices) : base_(std::move(base)), indices_(std::move(indices)) {
  for (auto i : indices_)
    STRATA_CHECK(i >= 0 && i < base_->size(), "Subset: index ", i, " is outside [0, ", base_->size(), ")");
}

Example Subset::get(std::int64_t index) const {
  STRATA_CHECK(index >= 0 && index < size(), "dataset: index ", index, " is outside [0, ", size(), ")");
  return base_->get(indices_[index]);
}

Example Subset::get_batch(const std::vector<std::int64_t>& indices) const {
  std::vector<std::int64_t> mapped;
  for (auto i : indices) {
    STRATA_CHECK(i >= 0 && i < size(), "dataset: index ", i, " is outside [0, ", size(), ")");
    mapped.push_back(indices_[i]);
  }
  return base_->get_batch(mapped);
}

// ---------------------------------------------------------------- IDX
DatasetPtr idx_dataset(const std::string& images_path, const std::string& labels_path,
                       std::vector<std::string> class_names) {
  Tensor images = read_idx(images_path), labels = read_idx(labels_path);
  STRATA_CHECK(images.dim() == 3, "idx_dataset: '", images_path, "' holds shape ", shape_str(images.shape()),
               ", expected images [N,H,W]");
  STRATA_CHECK(labels.dim() == 1 && labels.size(0) == images.size(0), "idx_dataset: '", images_path, "' has ",
               images.size(0), " images but '", labels_path, "' has shape ", shape_str(labels.shape()));
  images = mul(images, 1.0 / 255.0).reshape({images.size(0), 1, images.size(1), images.size(2)});
  return std::make_shared<TensorDataset>(images, labels, std::move(class_names));
}

DatasetPtr fashion_mnist(const std::string& split, const std::string& dir) {
  LabelledImages d = load_fashion_mnist(split, dir);
  return std::make_shared<TensorDataset>(d.images, d.labels, d.class_names);
}

// ---------------------------------------------------------------- CIFAR
DatasetPtr cifar_dataset(const std::vector<std::string>& files, bool cifar100, bool coarse_labels) {
  constexpr std::size_t kPixels = 3 * 32 * 32;
  const std::size_t label_bytes = cifar100 ? 2 : 1, record = label_bytes + kPixels;
  std::vector<unsigned char> all;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    STRATA_CHECK(in.good(), "cifar_dataset: cannot open '", f, "'");
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    STRATA_CHECK(!bytes.empty() && bytes.size() % record == 0, "cifar_dataset: '", f, "' has ", bytes.size(),
                 " bytes, not a whole number of ", record, "-byte ", cifar100 ? "CIFAR-100" : "CIFAR-10",
                 " records (truncated or the wrong format)");
    all.insert(all.end(), bytes.begin(), bytes.end());
  }
  const auto n = static_cast<std::int64_t>(all.size() / record);
  Tensor images = Tensor::empty({n, 3, 32, 32});
  std::vector<std::int64_t> labels(static_cast<std::size_t>(n));
  float* p = images.data<float>();
  const std::int64_t classes = cifar100 ? (coarse_labels ? 20 : 100) : 10;
  for (std::int64_t i = 0; i < n; ++i) {
    const unsigned char* r = all.data() + i * record;
    labels[i] = cifar100 ? (coarse_labels ? r[0] : r[1]) : r[0];
    STRATA_CHECK(labels[i] < classes, "cifar_dataset: record ", i, " has label ", labels[i], ", expected < ", classes);
    for (std::size_t k = 0; k < kPixels; ++k) p[i * kPixels + k] = r[label_bytes + k] / 255.0f;
  }
  std::vector<std::string> names;
  if (!cifar100) names = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  return std::make_shared<TensorDataset>(images, Tensor::from_vector(labels, {n}), names);
}

// ---------------------------------------------------------------- ImageFolder
namespace {
bool is_image(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}
}  // namespace

ImageFolder::ImageFolder(const std::string& root, std::int64_t height, std::int64_t width, int channels,
                         bool skip_bad_files)
    : height_(height), width_(width), channels_(channels) {
  STRATA_CHECK(std::filesystem::is_directory(root), "ImageFolder: '", root, "' is not a folder");
  STRATA_CHECK(height > 0 && width > 0, "ImageFolder: image size must be positive, got ", height, "x", width);
  STRATA_CHECK(channels == 1 || channels == 3, "ImageFolder: channels must be 1 or 3, got ", channels);
  std::vector<std::filesystem::path> class_dirs;
  for (const auto& e : std::filesystem::directory_iterator(root))
    if (e.is_directory()) class_dirs.push_back(e.path());
  std::sort(class_dirs.begin(), class_dirs.end());
  STRATA_CHECK(!class_dirs.empty(), "ImageFolder: '", root, "' has no class sub-folders");
  for (std::size_t c = 0; c < class_dirs.size(); ++c) {
    classes_.push_back(class_dirs[c].filename().string());
    std::vector<std::filesystem::path> images;
    for (const auto& e : std::filesystem::directory_iterator(class_dirs[c]))
      if (e.is_regular_file() && is_image(e.path())) images.push_back(e.path());
    std::sort(images.begin(), images.end());
    for (const auto& p : images) {
      if (skip_bad_files) {
        if (const std::string problem = image_problem(p.string()); !problem.empty()) {
          std::fprintf(stderr, "warning: skipping %s\n", problem.c_str());
          continue;
        }
      }
      files_.push_back(p.string());
      labels_.push_back(static_cast<std::int64_t>(c));
    }
  }
  STRATA_CHECK(!files_.empty(), "ImageFolder: no .png/.jpg/.jpeg files under the class folders of '", root, "'");
}

Example ImageFolder::get(std::int64_t index) const {
  STRATA_CHECK(index >= 0 && index < size(), "dataset: index ", index, " is outside [0, ", size(), ")");
  return {read_image(files_[index], channels_, height_, width_), Tensor::scalar(double(labels_[index]), DType::i64)};
}

// ---------------------------------------------------------------- CSV
namespace {
std::vector<std::string> split_line(const std::string& line, char delimiter) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, delimiter)) {
    const auto b = cell.find_first_not_of(" \t\r\"");
    const auto e = cell.find_last_not_of(" \t\r\"");
    cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
  }
  if (!line.empty() && line.back() == delimiter) cells.emplace_back();
  return cells;
}

}  // namespace

DatasetPtr csv_dataset(const std::string& path, const CsvOptions& o) {
  std::ifstream in(path);
  STRATA_CHECK(in.good(), "csv_dataset: cannot open '", path, "'");
  std::string line;
  std::vector<std::string> header;
  long line_no = 0;
  for (; line_no < o.skip_rows; ++line_no)
    STRATA_CHECK(std::getline(in, line), "csv_dataset: '", path, "' has fewer than the ", o.skip_rows, " lines to skip");
  if (o.header) {
    STRATA_CHECK(std::getline(in, line), "csv_dataset: '", path, "' is empty");
    ++line_no;
    header = split_line(line, o.delimiter);
  }
  std::int64_t label_col = -1, columns = o.header ? static_cast<std::int64_t>(header.size()) : -1;
  if (!o.label_column.empty()) {
    STRATA_CHECK(o.header, "csv_dataset: a label column name needs a header row");
    auto it = std::find(header.begin(), header.end(), o.label_column);
    STRATA_CHECK(it != header.end(), "csv_dataset: '", path, "' has no column \"", o.label_column, "\"");
    label_col = it - header.begin();
  }
  std::vector<std::vector<double>> rows;
  std::vector<std::string> labels;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto cells = split_line(line, o.delimiter);
    if (columns < 0) columns = static_cast<std::int64_t>(cells.size());
    const std::int64_t lc = label_col >= 0 ? label_col : columns - 1;
    std::string problem;
    std::vector<double> features;
    if (static_cast<std::int64_t>(cells.size()) != columns) {
      problem = detail::concat("has ", cells.size(), " columns, expected ", columns);
    } else {
      for (std::int64_t c = 0; c < columns && problem.empty(); ++c) {
        if (c == lc) continue;
        double v;
        if (const char* bad = number_problem(cells[c], v))
          problem = detail::concat("column ", c + 1, o.header ? " (" + header[c] + ")" : std::string(), " ", bad,
                                   ": \"", cells[c], "\"");
        features.push_back(v);
      }
    }
    if (!problem.empty()) {
      STRATA_CHECK(o.skip_bad_rows, "csv_dataset: '", path, "' line ", line_no, " ", problem);
      std::fprintf(stderr, "warning: skipping '%s' line %ld: %s\n", path.c_str(), line_no, problem.c_str());
      continue;
    }
    rows.push_back(std::move(features));
    labels.push_back(cells[lc]);
  }
  STRATA_CHECK(!rows.empty(), "csv_dataset: '", path, "' has no data rows");
  // Class names: the distinct labels, numerically sorted when all are integers.
  std::set<std::string> distinct(labels.begin(), labels.end());
  std::vector<std::string> names(distinct.begin(), distinct.end());
  const bool numeric = std::all_of(names.begin(), names.end(), [](const std::string& s) {
    double v;
    return parse_finite_number(s, v) && v == std::floor(v);
  });
  if (numeric)
    std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) { return std::stod(a) < std::stod(b); });
  std::map<std::string, std::int64_t> index;
  for (std::size_t i = 0; i < names.size(); ++i) index[names[i]] = static_cast<std::int64_t>(i);
  if (!o.class_names.empty()) {
    // Numeric labels 0..k-1 named by the caller.
    for (const auto& name : names) {
      double v = -1;
      STRATA_CHECK(numeric && parse_finite_number(name, v) && v >= 0 && v < double(o.class_names.size()), "csv_dataset: '", path,
                   "' has the label \"", name, "\" but the ", o.class_names.size(),
                   " class names given need numeric labels 0 to ", o.class_names.size() - 1);
      index[name] = static_cast<std::int64_t>(v);
    }
    names = o.class_names;
  }
  const auto n = static_cast<std::int64_t>(rows.size()), f = static_cast<std::int64_t>(rows[0].size());
  Tensor x = Tensor::empty({n, f});
  std::vector<std::int64_t> y(rows.size());
  for (std::int64_t i = 0; i < n; ++i) {
    std::copy(rows[i].begin(), rows[i].end(), x.data<float>() + i * f);
    y[i] = index[labels[i]];
  }
  return std::make_shared<TensorDataset>(x, Tensor::from_vector(y, {n}), names);
}

}  // namespace strata::data
