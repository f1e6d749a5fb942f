// `strata report RUN_DIR`: evaluates the run's model on the test split and writes one
// self-contained HTML page (plus the plots as SVG files) next to it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "command.h"
#include "validators.h"
#include "strata/data/image_io.h"
#include "strata/io/json_text.h"
#include "strata/io/model_io.h"
#include "strata/io/text_file.h"
#include "strata/metrics/html_report.h"
#include "strata/metrics/scores.h"
#include "strata/tensor/math.h"
#include "strata/train/training.h"

namespace strata::cli {

struct ReportOptions {
  std::string run_dir = "runs";
  std::string model;   // default: RUN_DIR/model.strata
  std::string output;  // default: RUN_DIR/report.html
  DataOptions data;
  int misclassified = 24;
};
nlohmann::json evaluation_json(const metrics::ClassificationReport& r, const std::vector<std::string>& names) {
  nlohmann::json classes = nlohmann::json::array();
  for (std::size_t c = 0; c < r.per_class.size(); ++c)
    classes.push_back({{"class", c < names.size() ? names[c] : std::to_string(c)},
                       {"precision", r.per_class[c].precision},
                       {"recall", r.per_class[c].recall},
                       {"f1", r.per_class[c].f1},
                       {"support", r.per_class[c].support}});
  auto avg = [](const metrics::ClassMetrics& m) {
    return nlohmann::json{{"precision", m.precision}, {"recall", m.recall}, {"f1", m.f1}, {"support", m.support}};
  };
  return {{"accuracy", r.accuracy},          {"total", r.total},
          {"classes", classes},              {"macro_avg", avg(r.macro_avg)},
          {"weighted_avg", avg(r.weighted_avg)}, {"confusion_matrix", r.confusion}};
}

int run_report(const ReportOptions& o) {
  namespace fs = std::filesystem;
  const fs::path run(o.run_dir);
  const fs::path model_path = o.model.empty() ? run / "model.strata" : fs::path(o.model);
  auto loaded = io::load_model(model_path.string());
  metrics::RunReport report;
  report.title = "Strata run: " + run.string() + " (" + loaded.model->name() + ")";
  const fs::path history_path = run / "history.json";
  if (fs::exists(history_path)) {
    std::ifstream in(history_path);
    try {
      report.history = io::parse_json(in, "report: '" + history_path.string() + "'")
                           .at("values")
                           .get<std::map<std::string, std::vector<double>>>();
    } catch (const nlohmann::json::exception& e) {
      throw Error(detail::concat("report: '", history_path.string(), "' is not a history file: ", e.what()));
    }
  }
  train::Trainer trainer = train::restore(std::move(loaded));
  const auto test_set = load_split(o.data, "test");
  report.class_names = test_set->class_names();
  const data::Example test = data::to_tensors(*test_set);
  const Tensor probabilities = trainer.predict(test.input);
  const Tensor predicted = argmax(probabilities, 1);
  const auto classes = static_cast<std::int64_t>(report.class_names.size());
  STRATA_CHECK(probabilities.dim() == 2 && probabilities.size(1) == classes, "report: the model gives ",
               shape_str(probabilities.shape()), " scores but the data has ", classes, " classes");
  report.classification = metrics::classification_report(test.target, predicted, classes);
  const auto truth = test.target.to_vector<std::int64_t>();
  double auc_sum = 0;
  for (std::int64_t c = 0; c < classes; ++c) {
    std::vector<double> is_c(truth.size());
    for (std::size_t i = 0; i < truth.size(); ++i) is_c[i] = truth[i] == c;
    const auto positives = std::count(is_c.begin(), is_c.end(), 1.0);
    if (positives == 0 || positives == static_cast<std::ptrdiff_t>(is_c.size())) {  // ROC undefined: skip, with a note
      report.roc_skipped.push_back(report.class_names[c]);
      continue;
    }
    const Tensor labels = Tensor::from_vector(is_c, {static_cast<std::int64_t>(is_c.size())});
    const Tensor scores = probabilities.select(1, c).contiguous();
    const auto curve = metrics::roc_curve(labels, scores);
    const double auc = metrics::roc_auc(labels, scores);
    auc_sum += auc;
    char label[96];
    std::snprintf(label, sizeof label, "%s (AUC %.3f)", report.class_names[c].c_str(), auc);
    report.roc.push_back({label, curve.x, curve.y});
  }
  report.roc_auc_macro = report.roc.empty() ? std::nan("") : auc_sum / double(report.roc.size());
  for (const auto& name : report.roc_skipped)
    std::fprintf(stderr, "note: no ROC curve for class '%s': the evaluated data has no example of it (or only such examples)\n",
                 name.c_str());
  // The most confident mistakes first.
  const auto pred = predicted.to_vector<std::int64_t>();
  std::vector<std::pair<double, std::int64_t>> wrong;
  for (std::size_t i = 0; i < pred.size(); ++i)
    if (pred[i] != truth[i]) wrong.emplace_back(probabilities.at({static_cast<std::int64_t>(i), pred[i]}), i);
  std::sort(wrong.begin(), wrong.end(), std::greater<>());
  for (std::size_t k = 0; k < wrong.size() && k < static_cast<std::size_t>(o.misclassified); ++k) {
    const auto i = wrong[k].second;
    report.misclassified.push_back({data::encode_png(test.input.select(0, i)), report.class_names[truth[i]],
                                    report.class_names[pred[i]], wrong[k].first});
  }
  const auto rendered = metrics::render_report(report);
  const fs::path output = o.output.empty() ? run / "report.html" : fs::path(o.output);
  if (!output.parent_path().empty()) fs::create_directories(output.parent_path());
  io::write_text_file(output.string(), rendered.html);
  const fs::path plots = output.parent_path() / "plots";
  fs::create_directories(plots);
  for (const auto& [name, svg] : rendered.svg_files) io::write_text_file((plots / name).string(), svg);
  io::write_text_file((output.parent_path() / "evaluation.json").string(),
                        evaluation_json(report.classification, report.class_names).dump(2));
  std::printf("test accuracy %.4f, ROC AUC (one-vs-rest, macro) %.4f\nwrote %s, %zu plots in %s and %s\n",
              report.classification.accuracy, report.roc_auc_macro, output.c_str(), rendered.svg_files.size(),
              plots.c_str(), (output.parent_path() / "evaluation.json").c_str());
  return 0;
}

void add_report(CLI::App& app, Run& selected) {
  auto [o, cmd] = add_command<ReportOptions>(
      app, selected, "report", "Write an HTML report of a run: curves, confusion matrix, ROC, mistakes",
      run_report);
  cmd->add_option("run", o->run_dir, "The run folder (with model.strata and history.json)")->capture_default_str();
  cmd->add_option("--model", o->model, "Model file (default: RUN/model.strata)");
  cmd->add_option("--output", o->output, "HTML file (default: RUN/o->html)");
  cmd->add_option("--misclassified", o->misclassified, "How many misclassified images to show")
      ->capture_default_str()
      ->check(number_in(0, 10000));
  add_data_options(cmd, o->data);
}

}  // namespace strata::cli
