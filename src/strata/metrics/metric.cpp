#include "strata/metrics/metric.h"

#include <cmath>
#include <functional>
#include <regex>

#include "strata/tensor/math.h"

namespace strata::metrics {
namespace {

// [B, 1] or [B] scores as [B].
Tensor flat_scores(const Tensor& output) { return output.dim() == 2 && output.size(1) == 1 ? output.reshape({-1}) : output; }

// Keeps every batch and computes the result on all of it: exact for rank-based metrics.
class Collecting : public Metric {
 public:
  void update(const Tensor& y_true, const Tensor& output) override {
    truth_.push_back(y_true.contiguous());
    outputs_.push_back(output.to(DType::f64).contiguous());
  }
  void reset() override {
    truth_.clear();
    outputs_.clear();
  }

 protected:
  // Concatenates the kept batches along axis 0.
  static Tensor stack(const std::vector<Tensor>& parts) {
    STRATA_CHECK(!parts.empty(), "metric: result() before any update()");
    Shape shape = parts[0].shape();
    shape[0] = 0;
    for (const auto& p : parts) shape[0] += p.size(0);
    Tensor out = Tensor::empty(shape, parts[0].dtype());
    std::int64_t at = 0;
    for (const auto& p : parts) {
      out.slice(0, at, at + p.size(0)).copy_(p);
      at += p.size(0);
    }
    return out;
  }
  std::vector<Tensor> truth_, outputs_;
};

class Auc final : public Collecting {
 public:
  explicit Auc(bool ap) : ap_(ap) {}
  std::string name() const override { return ap_ ? "average_precision" : "auc"; }
  double result() const override {
    const Tensor t = stack(truth_), s = flat_scores(stack(outputs_));
    if (s.dim() == 2) return roc_auc_ovr(t, s);
    return ap_ ? average_precision(t, s) : roc_auc(t, s);
  }

 private:
  bool ap_;
};

class ConfusionMetric final : public Metric {
 public:
  ConfusionMetric(std::string name, std::int64_t classes, int which, Average average)
      : name_(std::move(name)), classes_(classes), which_(which), average_(average) {
    STRATA_CHECK(classes >= 2, "metric ", name_, ": needs the number of classes (>= 2), got ", classes);
    reset();
  }
  std::string name() const override { return name_; }
  void update(const Tensor& y_true, const Tensor& output) override {
    const Tensor pred = output.dim() == 2 ? argmax(output, 1) : output.to(DType::i64);
    const auto m = confusion_matrix(y_true.to(DType::i64).reshape({-1}), pred.reshape({-1}), classes_);
    for (std::int64_t r = 0; r < classes_; ++r)
      for (std::int64_t c = 0; c < classes_; ++c) counts_[r][c] += m[r][c];
  }
  double result() const override {
    std::int64_t seen = 0;
    for (const auto& row : counts_)
      for (auto v : row) seen += v;
    STRATA_CHECK(seen > 0, "metric ", name_, ": result() before any update()");
    const auto prf = averaged_scores(counts_, average_);
    return which_ == 0 ? prf.precision : which_ == 1 ? prf.recall : prf.f1;
  }
  void reset() override { counts_.assign(classes_, std::vector<std::int64_t>(classes_, 0)); }

 private:
  std::string name_;
  std::int64_t classes_;
  int which_;
  Average average_;
  ConfusionMatrix counts_;
};

// Metrics that are a mean over samples of a per-sample value.
class SampleMean final : public Metric {
 public:
  using PerBatch = std::function<double(const Tensor& y_true, const Tensor& output)>;  // returns the batch mean
  SampleMean(std::string name, PerBatch fn, bool sqrt_at_end = false)
      : name_(std::move(name)), fn_(std::move(fn)), sqrt_(sqrt_at_end) {}
  std::string name() const override { return name_; }
  void update(const Tensor& y_true, const Tensor& output) override {
    const double n = double(y_true.size(0));
    sum_ += fn_(y_true, output) * n;
    count_ += n;
  }
  double result() const override {
    STRATA_CHECK(count_ > 0, "metric ", name_, ": result() before any update()");
    return sqrt_ ? std::sqrt(sum_ / count_) : sum_ / count_;
  }
  void reset() override { sum_ = count_ = 0; }

 private:
  std::string name_;
  PerBatch fn_;
  bool sqrt_;
  double sum_ = 0, count_ = 0;
};

// R^2 from running sums: SS_tot = sum(y^2) - (sum y)^2 / n.
class R2 final : public Metric {
 public:
  std::string name() const override { return "r2"; }
  void update(const Tensor& y_true, const Tensor& output) override {
    const auto t = y_true.to_vector<double>(), p = output.to_vector<double>();
    STRATA_CHECK(t.size() == p.size(), "metric r2: ", t.size(), " targets but ", p.size(), " predictions");
    for (std::size_t i = 0; i < t.size(); ++i) {
      n_ += 1;
      sum_ += t[i];
      sum_sq_ += t[i] * t[i];
      res_ += (t[i] - p[i]) * (t[i] - p[i]);
    }
  }
  double result() const override {
    STRATA_CHECK(n_ > 0, "metric r2: result() before any update()");
    const double tot = sum_sq_ - sum_ * sum_ / n_;
    if (std::fabs(tot) <= 1e-12 * std::max(1.0, sum_sq_)) return res_ == 0 ? 1.0 : 0.0;
    return 1.0 - res_ / tot;
  }
  void reset() override { n_ = sum_ = sum_sq_ = res_ = 0; }

 private:
  double n_ = 0, sum_ = 0, sum_sq_ = 0, res_ = 0;
};

Tensor labels_from(const Tensor& y_true) { return y_true.dtype() == DType::i64 ? y_true : argmax(y_true, 1); }

}  // namespace

MetricPtr make_metric(const std::string& name, std::int64_t classes, bool from_logits) {
  if (name == "accuracy" || name == "sparse_categorical_accuracy" || name == "categorical_accuracy")
    return std::make_unique<SampleMean>(name, [](const Tensor& t, const Tensor& o) {
      return accuracy(labels_from(t).reshape({-1}), argmax(o, 1));
    });
  if (name == "binary_accuracy") {
    const double threshold = from_logits ? 0.0 : 0.5;
    return std::make_unique<SampleMean>(
        name, [threshold](const Tensor& t, const Tensor& o) { return binary_accuracy(t, flat_scores(o), threshold); });
  }
  std::smatch m;
  static const std::regex top_k("top_(\\d+)_accuracy");
  if (name == "top_k_accuracy" || std::regex_match(name, m, top_k)) {
    const std::int64_t k = name == "top_k_accuracy" ? 5 : std::stoll(m[1]);
    return std::make_unique<SampleMean>(name, [k](const Tensor& t, const Tensor& o) {
      return top_k_accuracy(labels_from(t).reshape({-1}), o, k);
    });
  }
  static const std::regex prf("(?:(macro|micro|weighted)_)?(precision|recall|f1)");
  if (std::regex_match(name, m, prf)) {
    const std::string avg = m[1];
    const Average a = avg == "micro" ? Average::micro : avg == "weighted" ? Average::weighted : Average::macro;
    const int which = m[2] == "precision" ? 0 : m[2] == "recall" ? 1 : 2;
    return std::make_unique<ConfusionMetric>(name, classes, which, a);
  }
  if (name == "auc") return std::make_unique<Auc>(false);
  if (name == "average_precision") return std::make_unique<Auc>(true);
  if (name == "log_loss")
    return std::make_unique<SampleMean>(name, [](const Tensor& t, const Tensor& o) { return log_loss(labels_from(t), o); });
  if (name == "mse")
    return std::make_unique<SampleMean>(name, [](const Tensor& t, const Tensor& o) { return mean_squared_error(t, o); });
  if (name == "rmse")
    return std::make_unique<SampleMean>(
        name, [](const Tensor& t, const Tensor& o) { return mean_squared_error(t, o); }, true);
  if (name == "mae")
    return std::make_unique<SampleMean>(name, [](const Tensor& t, const Tensor& o) { return mean_absolute_error(t, o); });
  if (name == "r2") return std::make_unique<R2>();
  throw Error(detail::concat("metric: unknown name \"", name,
                             "\"; expected accuracy, categorical_accuracy, binary_accuracy, top_k_accuracy, "
                             "top_<k>_accuracy, precision, recall, f1 (optionally macro_/micro_/weighted_), auc, "
                             "average_precision, log_loss, mse, rmse, mae or r2"));
}

}  // namespace strata::metrics
