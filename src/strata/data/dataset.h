// Data sets: indexed collections of (input, target) examples.
//
//   TensorDataset      tensors already in memory (rows are examples)
//   idx_dataset        MNIST/Fashion-MNIST IDX files, gzipped or not (idx.h)
//   cifar_dataset      the CIFAR-10/100 binary format
//   ImageFolder        one sub-folder per class of PNG/JPEG files, decoded on demand (streams)
//   csv_dataset        numeric feature columns and a label column
// Inputs are f32: images [C, H, W] scaled to [0, 1], feature vectors [F]. Targets are i64 class
// indices (scalars). get() is thread-safe, so loader workers can call it in parallel.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "strata/tensor/tensor.h"

namespace strata::data {

struct Example {
  Tensor input;
  Tensor target;
  // A model with several inputs or outputs: its second and later inputs / targets, in order
  // (empty otherwise). Augmentation applies to `input` only.
  std::vector<Tensor> more_inputs, more_targets;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::int64_t size() const = 0;
  virtual Example get(std::int64_t index) const = 0;
  // Stacks examples into a batch {inputs [B, ...], targets [B]}; overridden where it is cheaper.
  virtual Example get_batch(const std::vector<std::int64_t>& indices) const;
  virtual Shape input_shape() const = 0;
  virtual std::vector<std::string> class_names() const { return {}; }
  // "60000 examples of [1,28,28], 10 classes"
  std::string describe() const;
};
using DatasetPtr = std::shared_ptr<const Dataset>;

class TensorDataset final : public Dataset {
 public:
  TensorDataset(Tensor inputs, Tensor targets, std::vector<std::string> class_names = {});
  // For a model with several inputs or outputs: every tensor has the same first axis.
  TensorDataset(std::vector<Tensor> inputs, std::vector<Tensor> targets);
  std::int64_t size() const override { return inputs_.size(0); }
  Example get(std::int64_t index) const override;
  Example get_batch(const std::vector<std::int64_t>& indices) const override;
  Shape input_shape() const override;
  std::vector<std::string> class_names() const override { return class_names_; }
  const Tensor& inputs() const { return inputs_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor inputs_, targets_;
  std::vector<Tensor> more_inputs_, more_targets_;
  std::vector<std::string> class_names_;
};

// A view of some examples of another data set (splits, subsets).
class Subset final : public Dataset {
 public:
  Subset(DatasetPtr base, std::vector<std::int64_t> indices);
  std::int64_t size() const override { return static_cast<std::int64_t>(indices_.size()); }
  Example get(std::int64_t index) const override;
  Example get_batch(const std::vector<std::int64_t>& indices) const override;
  Shape input_shape() const override { return base_->input_shape(); }
  std::vector<std::string> class_names() const override { return base_->class_names(); }

 private:
  DatasetPtr base_;
  std::vector<std::int64_t> indices_;
};

// Every example in memory: {inputs [N, ...], targets [N]}.
Example to_tensors(const Dataset& dataset);

// The IDX pair (images, labels), scaled to [0,1], as [N,1,H,W] / [N].
DatasetPtr idx_dataset(const std::string& images_path, const std::string& labels_path,
                       std::vector<std::string> class_names = {});
// Fashion-MNIST "train" or "test" from Debian's dataset-fashion-mnist (or another folder).
DatasetPtr fashion_mnist(const std::string& split, const std::string& dir = "/usr/share/datasets/fashion-mnist");

// CIFAR binary batches: CIFAR-10 records are <label byte><3072 pixel bytes>; CIFAR-100 records
// <coarse label><fine label><3072 bytes> (fine labels used unless coarse_labels).
DatasetPtr cifar_dataset(const std::vector<std::string>& files, bool cifar100 = false, bool coarse_labels = false);

// Sub-folders of `root` are the classes (sorted by name); files ending in .png/.jpg/.jpeg
// (any case) are the examples, decoded and resized when read. Unreadable images throw, naming
// the file, unless skip_bad_files, which drops them at construction with a warning.
class ImageFolder final : public Dataset {
 public:
  ImageFolder(const std::string& root, std::int64_t height, std::int64_t width, int channels = 3,
              bool skip_bad_files = false);
  std::int64_t size() const override { return static_cast<std::int64_t>(files_.size()); }
  Example get(std::int64_t index) const override;
  Shape input_shape() const override { return {channels_, height_, width_}; }
  std::vector<std::string> class_names() const override { return classes_; }
  const std::string& path(std::int64_t index) const { return files_.at(index); }

 private:
  std::vector<std::string> files_;
  std::vector<std::int64_t> labels_;
  std::vector<std::string> classes_;
  std::int64_t height_, width_;
  int channels_;
};

struct CsvOptions {
  std::string label_column;  // name (with a header) or empty for the last column
  bool header = true;
  char delimiter = ',';
  bool skip_bad_rows = false;  // drop malformed rows with a warning instead of failing
  int skip_rows = 0;           // lines to ignore before the header (or the data)
  std::vector<std::string> class_names;  // names for label values 0, 1, ... (numeric labels only)
};
// Features must be numeric; labels may be numbers or strings (mapped to class indices in
// sorted order; the class names are the label strings).
DatasetPtr csv_dataset(const std::string& path, const CsvOptions& options = {});

}  // namespace strata::data
