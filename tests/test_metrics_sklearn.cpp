// Every metric against scikit-learn's value (tests/golden/sklearn_metrics.json, made by
// tools/golden/make_sklearn_golden.py) within 1e-6, and streaming over batches equal to one pass.
#include <gtest/gtest.h>

#include "test_helpers.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "strata/metrics/metric.h"
#include "strata/tensor/math.h"
#include "strata/tensor/random.h"

using namespace strata;
using namespace strata::metrics;
using json = nlohmann::json;

namespace {
const json& golden() {
  static const json data = strata::testing::read_golden("sklearn_metrics.json");
  return data;
}
Tensor labels(const json& j) {
  const auto v = j.get<std::vector<std::int64_t>>();
  return Tensor::from_vector(v, {static_cast<std::int64_t>(v.size())});
}
Tensor values(const json& j) {
  const auto v = j.get<std::vector<double>>();
  return Tensor::from_vector(v, {static_cast<std::int64_t>(v.size())});
}
Tensor matrix(const json& j) {
  std::vector<double> flat;
  for (const auto& row : j)
    for (double v : row) flat.push_back(v);
  return Tensor::from_vector(flat, {static_cast<std::int64_t>(j.size()), static_cast<std::int64_t>(j[0].size())});
}
void expect_vector_near(const std::vector<double>& a, const json& b, const std::string& what) {
  const auto expected = b.get<std::vector<double>>();
  ASSERT_EQ(a.size(), expected.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], expected[i], 1e-6) << what << " [" << i << "]";
}
constexpr double kTol = 1e-6;
}  // namespace

TEST(MetricsVsSklearn, ClassificationScores) {
  ASSERT_GE(golden()["classification"].size(), 4u);
  for (const auto& c : golden()["classification"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const Tensor t = labels(c["y_true"]), p = labels(c["y_pred"]);
    const std::int64_t k = c["classes"];
    EXPECT_NEAR(accuracy(t, p), c["accuracy"].get<double>(), kTol);
    EXPECT_EQ(confusion_matrix(t, p, k), c["confusion"].get<std::vector<std::vector<std::int64_t>>>());
    for (const auto& [key, avg] : {std::pair{"macro", Average::macro}, std::pair{"micro", Average::micro},
                                   std::pair{"weighted", Average::weighted}}) {
      const auto r = precision_recall_f1(t, p, k, avg);
      EXPECT_NEAR(r.precision, c[key][0].get<double>(), kTol) << key;
      EXPECT_NEAR(r.recall, c[key][1].get<double>(), kTol) << key;
      EXPECT_NEAR(r.f1, c[key][2].get<double>(), kTol) << key;
    }
    const auto per_class = precision_recall_f1_per_class(t, p, k);
    for (std::int64_t i = 0; i < k; ++i) {
      EXPECT_NEAR(per_class[i].precision, c["per_class"][i][0].get<double>(), kTol);
      EXPECT_NEAR(per_class[i].recall, c["per_class"][i][1].get<double>(), kTol);
      EXPECT_NEAR(per_class[i].f1, c["per_class"][i][2].get<double>(), kTol);
    }
    if (c.contains("binary")) {
      const auto r = precision_recall_f1(t, p, k, Average::binary, 1);
      EXPECT_NEAR(r.f1, c["binary"][2].get<double>(), kTol);
    }
  }
}

TEST(MetricsVsSklearn, RocPrCurvesAucAndAveragePrecisionWithTies) {
  ASSERT_GE(golden()["binary_scores"].size(), 3u);
  for (const auto& c : golden()["binary_scores"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const Tensor t = labels(c["y_true"]), s = values(c["scores"]);
    EXPECT_NEAR(roc_auc(t, s), c["roc_auc"].get<double>(), kTol);
    EXPECT_NEAR(average_precision(t, s), c["average_precision"].get<double>(), kTol);
    const Curve roc = roc_curve(t, s);
    expect_vector_near(roc.x, c["fpr"], "fpr");
    expect_vector_near(roc.y, c["tpr"], "tpr");
    const Curve pr = precision_recall_curve(t, s);
    expect_vector_near(pr.y, c["precision"], "precision");
    expect_vector_near(pr.x, c["recall"], "recall");
  }
  EXPECT_THROW(roc_auc(labels(json::array({1, 1, 1})), values(json::array({0.1, 0.5, 0.9}))), Error);
  // binary accuracy with a threshold (sklearn: accuracy_score(y, scores > threshold))
  const Tensor t = labels(json::array({0, 1, 1, 0})), s = values(json::array({0.2, 0.6, 0.4, 0.7}));
  EXPECT_DOUBLE_EQ(binary_accuracy(t, s, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(binary_accuracy(t, s, 0.3), 0.75);
  EXPECT_DOUBLE_EQ(binary_accuracy(t, s, 0.65), 0.25);
  EXPECT_DOUBLE_EQ(binary_accuracy(t, s, 0.1), 0.5);
  EXPECT_DOUBLE_EQ(binary_accuracy(labels(json::array({0, 1})), values(json::array({0.2, 0.6})), 0.5), 1.0);
}

TEST(MetricsVsSklearn, MulticlassAucLogLossAndTopK) {
  for (const auto& c : golden()["multiclass_scores"]) {
    const Tensor t = labels(c["y_true"]), p = matrix(c["probabilities"]);
    EXPECT_NEAR(roc_auc_ovr(t, p), c["roc_auc_ovr"].get<double>(), kTol);
    EXPECT_NEAR(log_loss(t, p), c["log_loss"].get<double>(), kTol);
    EXPECT_NEAR(top_k_accuracy(t, p, 1), c["top_1"].get<double>(), kTol);
    EXPECT_NEAR(top_k_accuracy(t, p, 2), c["top_2"].get<double>(), kTol);
  }
}

TEST(MetricsVsSklearn, Regression) {
  for (const auto& c : golden()["regression"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const Tensor t = values(c["y_true"]), p = values(c["y_pred"]);
    EXPECT_NEAR(mean_squared_error(t, p), c["mse"].get<double>(), kTol);
    EXPECT_NEAR(root_mean_squared_error(t, p), c["rmse"].get<double>(), kTol);
    EXPECT_NEAR(mean_absolute_error(t, p), c["mae"].get<double>(), kTol);
    EXPECT_NEAR(r2_score(t, p), c["r2"].get<double>(), kTol);
  }
}

TEST(StreamingMetrics, BatchesGiveTheSameResultAsOnePass) {
  const auto& mc = golden()["multiclass_scores"][0];
  const Tensor t = labels(mc["y_true"]), p = matrix(mc["probabilities"]);
  const auto& bc = golden()["binary_scores"][1];
  const Tensor bt = labels(bc["y_true"]), bs = values(bc["scores"]);
  const auto& rc = golden()["regression"][0];
  const Tensor rt = values(rc["y_true"]), rp = values(rc["y_pred"]);
  struct Case {
    std::string name;
    Tensor truth, output;
    double expected;
  };
  const std::vector<Case> cases = {
      {"accuracy", t, p, top_k_accuracy(t, p, 1)},
      {"top_2_accuracy", t, p, top_k_accuracy(t, p, 2)},
      {"f1", t, p, precision_recall_f1(t, argmax(p, 1), 4, Average::macro).f1},
      {"weighted_precision", t, p, precision_recall_f1(t, argmax(p, 1), 4, Average::weighted).precision},
      {"auc", t, p, roc_auc_ovr(t, p)},
      {"log_loss", t, p, log_loss(t, p)},
      {"auc", bt, bs, roc_auc(bt, bs)},
      {"average_precision", bt, bs, average_precision(bt, bs)},
      {"binary_accuracy", bt, bs, 0.0},  // checked against one update below
      {"mse", rt, rp, mean_squared_error(rt, rp)},
      {"rmse", rt, rp, root_mean_squared_error(rt, rp)},
      {"mae", rt, rp, mean_absolute_error(rt, rp)},
      {"r2", rt, rp, r2_score(rt, rp)},
  };
  Generator gen(3);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto whole = make_metric(c.name, 4);
    whole->update(c.truth, c.output);
    auto streamed = make_metric(c.name, 4);
    for (std::int64_t begin = 0; begin < c.truth.size(0);) {
      const std::int64_t end = std::min<std::int64_t>(c.truth.size(0), begin + 1 + static_cast<std::int64_t>(gen.below(7)));
      streamed->update(c.truth.slice(0, begin, end).contiguous(), c.output.slice(0, begin, end).contiguous());
      begin = end;
    }
    EXPECT_NEAR(streamed->result(), whole->result(), 1e-12);
    if (c.name != "binary_accuracy") EXPECT_NEAR(whole->result(), c.expected, 1e-9);
    streamed->reset();
    EXPECT_THROW(streamed->result(), Error);
  }
  EXPECT_THROW(make_metric("kappa"), Error);
}
