#include "strata/data/preprocessing.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "strata/tensor/math.h"
#include "strata/tensor/random.h"

namespace strata::data {

Tensor rescale(const Tensor& x, double scale, double offset) { return add(mul(x, scale), offset); }

Normalizer Normalizer::fit(const Tensor& train) {
  STRATA_CHECK(train.dim() >= 2 && train.size(0) > 0, "Normalizer: expected training data [N, C, ...] but got ",
               shape_str(train.shape()));
  std::vector<std::int64_t> axes{0};
  for (std::int64_t a = 2; a < train.dim(); ++a) axes.push_back(a);
  const Tensor m = strata::mean(train, axes);
  Shape keep(train.dim(), 1);
  keep[1] = train.size(1);
  const Tensor var = strata::mean(square(sub(train, m.reshape(keep))), axes);
  Normalizer n;
  n.mean_ = m.to_vector<double>();
  for (double v : var.to_vector<double>()) n.std_.push_back(std::max(std::sqrt(v), 1e-7));  // constant features stay finite
  return n;
}

Tensor Normalizer::apply(const Tensor& x) const {
  STRATA_CHECK(x.dim() >= 2 && x.size(1) == static_cast<std::int64_t>(mean_.size()), "Normalizer: fitted on ",
               mean_.size(), " channels but the data has shape ", shape_str(x.shape()));
  Shape keep(x.dim(), 1);
  keep[1] = x.size(1);
  std::vector<float> m(mean_.begin(), mean_.end()), s(std_.begin(), std_.end());
  const Tensor mt = Tensor::from_vector(m, keep).to(x.dtype()), st = Tensor::from_vector(s, keep).to(x.dtype());
  return div(sub(x, mt), st);
}

Tensor one_hot(const Tensor& labels, std::int64_t classes) {
  STRATA_CHECK(labels.dtype() == DType::i64 && labels.dim() == 1, "one_hot: expected i64 labels [N] but got ",
               shape_str(labels.shape()), " ", dtype_name(labels.dtype()));
  const auto l = labels.to_vector<std::int64_t>();
  Tensor out = Tensor::zeros({static_cast<std::int64_t>(l.size()), classes});
  float* p = out.data<float>();
  for (std::size_t i = 0; i < l.size(); ++i) {
    STRATA_CHECK(l[i] >= 0 && l[i] < classes, "one_hot: label ", l[i], " at index ", i, " is outside [0, ", classes, ")");
    p[i * classes + l[i]] = 1.0f;
  }
  return out;
}

std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> stratified_split(const Tensor& labels, double fraction,
                                                                                 std::uint64_t seed) {
  STRATA_CHECK(fraction > 0 && fraction < 1, "stratified_split: fraction must be in (0, 1), got ", fraction);
  const auto l = labels.to_vector<std::int64_t>();
  std::map<std::int64_t, std::vector<std::int64_t>> by_class;
  for (std::size_t i = 0; i < l.size(); ++i) by_class[l[i]].push_back(static_cast<std::int64_t>(i));
  Generator gen(seed);
  std::vector<std::int64_t> train, validation;
  for (auto& [label, indices] : by_class) {
    std::shuffle(indices.begin(), indices.end(), gen.engine());
    const auto n_val = static_cast<std::size_t>(std::llround(fraction * double(indices.size())));
    validation.insert(validation.end(), indices.begin(), indices.begin() + n_val);
    train.insert(train.end(), indices.begin() + n_val, indices.end());
  }
  std::sort(train.begin(), train.end());
  std::sort(validation.begin(), validation.end());
  return {train, validation};
}

namespace {
// Fold f validates on the examples whose position in `order` is f modulo k.
std::vector<Fold> deal_folds(const std::vector<std::int64_t>& order, int k) {
  std::vector<Fold> folds(static_cast<std::size_t>(k));
  for (std::size_t i = 0; i < order.size(); ++i)
    for (int f = 0; f < k; ++f) (int(i % std::size_t(k)) == f ? folds[f].validation : folds[f].train).push_back(order[i]);
  for (auto& f : folds) {
    std::sort(f.train.begin(), f.train.end());
    std::sort(f.validation.begin(), f.validation.end());
  }
  return folds;
}
}  // namespace

std::vector<Fold> kfold(std::int64_t n, int k, std::uint64_t seed) {
  STRATA_CHECK(k >= 2 && k <= n, "kfold: need 2 <= k <= examples, got k = ", k, " for ", n, " examples");
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  Generator gen(seed);
  std::shuffle(order.begin(), order.end(), gen.engine());
  return deal_folds(order, k);
}

std::vector<Fold> stratified_kfold(const Tensor& labels, int k, std::uint64_t seed) {
  const auto l = labels.to_vector<std::int64_t>();
  STRATA_CHECK(k >= 2, "stratified_kfold: need k >= 2, got ", k);
  std::map<std::int64_t, std::vector<std::int64_t>> by_class;
  for (std::size_t i = 0; i < l.size(); ++i) by_class[l[i]].push_back(static_cast<std::int64_t>(i));
  Generator gen(seed);
  std::vector<std::int64_t> order;
  for (auto& [label, indices] : by_class) {
    STRATA_CHECK(indices.size() >= std::size_t(k), "stratified_kfold: class ", label, " has ", indices.size(),
                 " examples, fewer than the ", k, " folds");
    std::shuffle(indices.begin(), indices.end(), gen.engine());
    order.insert(order.end(), indices.begin(), indices.end());
  }
  return deal_folds(order, k);
}

std::map<std::int64_t, double> class_weights(const Tensor& labels, std::int64_t classes) {
  const auto l = labels.to_vector<std::int64_t>();
  std::vector<std::int64_t> counts(classes, 0);
  for (auto v : l) {
    STRATA_CHECK(v >= 0 && v < classes, "class_weights: label ", v, " is outside [0, ", classes, ")");
    ++counts[v];
  }
  std::map<std::int64_t, double> w;
  for (std::int64_t c = 0; c < classes; ++c)
    if (counts[c]) w[c] = double(l.size()) / (double(classes) * double(counts[c]));
  return w;
}

}  // namespace strata::data
