// Preprocessing: rescaling, per-channel normalization and feature standardization fitted on
// the training split, one-hot encoding, stratified splits and class weights.
#pragma once

#include <map>
#include <utility>
#include <vector>

#include "strata/data/dataset.h"

namespace strata::data {

// x * scale + offset (e.g. 1/255 for raw pixels, or 2, -1 for [-1, 1]).
Tensor rescale(const Tensor& x, double scale, double offset = 0.0);

// Per-channel (axis 1 of [N, C, ...]) or per-feature (axis 1 of [N, F]) mean and standard
// deviation, fitted on training data only and then applied to every split.
class Normalizer {
 public:
  static Normalizer fit(const Tensor& train);
  Tensor apply(const Tensor& x) const;  // (x - mean) / std, broadcast over axis 1
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& stddev() const { return std_; }

 private:
  std::vector<double> mean_, std_;
};

// Class indices [N] (i64) -> [N, classes] f32 one-hot rows; throws on labels outside range.
Tensor one_hot(const Tensor& labels, std::int64_t classes);

// Indices of a train/validation split that keeps each class's proportion (seeded).
std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> stratified_split(const Tensor& labels,
                                                                                 double validation_fraction,
                                                                                 std::uint64_t seed);

// k-fold cross-validation: each example is in exactly one fold's validation part.
struct Fold {
  std::vector<std::int64_t> train, validation;  // sorted indices
};
// Shuffled (seeded) k folds of n examples; fold sizes differ by at most one.
std::vector<Fold> kfold(std::int64_t n, int k, std::uint64_t seed);
// Folds that keep each class's proportion: every class is shuffled and dealt round-robin over
// the folds, so a class's count differs by at most one between folds (scikit-learn's
// StratifiedKFold). Each class needs at least k examples.
std::vector<Fold> stratified_kfold(const Tensor& labels, int k, std::uint64_t seed);

// scikit-learn's "balanced" weights: n_samples / (n_classes * count(class)).
std::map<std::int64_t, double> class_weights(const Tensor& labels, std::int64_t classes);

}  // namespace strata::data
