// Time-series forecasting with an LSTM (or a GRU, or causal Conv1D layers) on the yearly sunspot numbers 1700-2008 that
// Debian's python3-statsmodels ships: windows of past years predict the next year; the last
// 20% of the years are the test split. Reports test MAE and RMSE against the naive forecast
// (next year = this year) and draws forecast against truth as an SVG.
//
//   build/examples/strata_forecast [--cell lstm|gru|conv1d] [--window 12] [--epochs 300] [--output runs/forecast]
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "strata/io/text_file.h"
#include "strata/metrics/plots.h"
#include "strata/strata.h"

using namespace strata;

namespace {

struct Errors {
  double mae = 0, rmse = 0;
};

Errors errors(const std::vector<double>& truth, const std::vector<double>& forecast) {
  Errors e;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    e.mae += std::fabs(truth[i] - forecast[i]);
    e.rmse += (truth[i] - forecast[i]) * (truth[i] - forecast[i]);
  }
  e.mae /= double(truth.size());
  e.rmse = std::sqrt(e.rmse / double(truth.size()));
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"LSTM/GRU forecast of the yearly sunspot numbers"};
  std::string path = "/usr/lib/python3/dist-packages/statsmodels/datasets/sunspots/sunspots.csv", cell = "lstm",
              output = "runs/forecast";
  std::int64_t window = 12, units = 32;
  int epochs = 300, patience = 40;
  double test_fraction = 0.2;
  unsigned long seed = 1;
  app.add_option("--csv", path, "CSV with YEAR and SUNACTIVITY columns")->capture_default_str();
  app.add_option("--cell", cell, "lstm, gru or conv1d (two causal Conv1D layers)")->capture_default_str()->check(CLI::IsMember({"lstm", "gru", "conv1d"}));
  app.add_option("--window", window, "Past years per prediction")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--units", units)->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--epochs", epochs)->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--patience", patience, "Early stopping on the validation loss")->capture_default_str();
  app.add_option("--seed", seed)->capture_default_str();
  app.add_option("--output", output, "Folder for forecast.svg and forecast.json")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    manual_seed(seed);
    const auto years = data::read_csv_column(path, "YEAR");
    const auto values = data::read_csv_column(path, "SUNACTIVITY");
    const auto n = static_cast<std::int64_t>(values.size());
    const auto n_test = static_cast<std::int64_t>(std::llround(test_fraction * double(n)));
    const std::int64_t first_test = n - n_test;
    // Standardize with the training years' statistics only.
    double mean = 0, var = 0;
    for (std::int64_t i = 0; i < first_test; ++i) mean += values[i] / double(first_test);
    for (std::int64_t i = 0; i < first_test; ++i) var += (values[i] - mean) * (values[i] - mean) / double(first_test);
    const double sd = std::sqrt(var);
    std::vector<double> scaled(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) scaled[i] = (values[i] - mean) / sd;

    // Training windows end before the test years; test windows predict each test year from
    // the years before it (which may reach back into the training years, as a forecaster would).
    const auto train = data::sliding_windows(std::vector<double>(scaled.begin(), scaled.begin() + first_test), window);
    const auto all = data::sliding_windows(scaled, window);
    const std::int64_t first_test_window = first_test - window;
    const Tensor x_test = all.x.slice(0, first_test_window, all.x.size(0)).contiguous();
    std::printf("%lld years (%.0f-%.0f); training on %lld windows up to %.0f, testing on %lld years from %.0f\n",
                static_cast<long long>(n), years.front(), years.back(), static_cast<long long>(train.x.size(0)),
                years[first_test - 1], static_cast<long long>(n_test), years[first_test]);

    nn::RecurrentOptions ro(units);
    std::vector<nn::LayerPtr> stack;
    if (cell == "conv1d") {
      // Windows are (years, 1): channels-first (1, years) for the convolutions. Causal padding
      // keeps every output from seeing later years; dilation 2 widens the second layer's view.
      stack = {layers::make<nn::Permute>(std::vector<std::int64_t>{2, 1}),
               layers::Conv1D(nn::Conv1DOptions(units, 3).padding("causal").activation("relu")),
               layers::Conv1D(nn::Conv1DOptions(units, 3).padding("causal").dilation_rate({2}).activation("relu")),
               layers::Flatten(), layers::Dense(1)};
    } else {
      stack = {cell == "gru" ? nn::LayerPtr(layers::GRU(ro)) : nn::LayerPtr(layers::LSTM(ro)), layers::Dense(1)};
    }
    auto model = std::make_shared<models::Sequential>(Shape{window, 1}, stack, "forecaster");
    std::printf("%s\n", model->summary().c_str());
    auto trainer = train::compile(model, "adam", "mse", {"mae"}, 0.003);
    train::EarlyStoppingOptions es;
    es.patience = patience;
    es.restore_best_weights = true;
    const auto history = trainer.fit(train.x, train.y,
                                     train::FitOptions().epochs(epochs).batch_size(16).validation_split(0.15).verbose(0).callbacks(
                                         {std::make_shared<train::EarlyStopping>(es)}));
    std::printf("trained %zu epochs (best validation loss %.4f)\n", history.epochs.size(),
                *std::min_element(history.values.at("val_loss").begin(), history.values.at("val_loss").end()));

    const auto predicted = trainer.predict(x_test).to_vector<float>();
    std::vector<double> truth, forecast, naive, test_years;
    for (std::int64_t i = 0; i < n_test; ++i) {
      const std::int64_t t = first_test + i;
      truth.push_back(values[t]);
      forecast.push_back(predicted[i] * sd + mean);
      naive.push_back(values[t - 1]);
      test_years.push_back(years[t]);
    }
    const Errors model_errors = errors(truth, forecast), naive_errors = errors(truth, naive);
    std::printf("\ntest years %.0f-%.0f, one year ahead:\n  %s  MAE %.2f  RMSE %.2f\n  naive (last value)  MAE %.2f  RMSE %.2f\n",
                test_years.front(), test_years.back(), cell == "gru" ? "GRU   " : cell == "conv1d" ? "Conv1D" : "LSTM  ", model_errors.mae, model_errors.rmse,
                naive_errors.mae, naive_errors.rmse);
    std::printf("%s\n", model_errors.mae < naive_errors.mae ? "the model beats the naive forecast"
                                                            : "the model does NOT beat the naive forecast");

    std::filesystem::create_directories(output);
    metrics::ChartOptions chart;
    chart.title = "Sunspot numbers, test years: forecast against truth";
    chart.x_label = "year";
    chart.y_label = "sunspot number";
    chart.width = 760;
    const std::string svg = metrics::line_chart_svg(
        {{"truth", test_years, truth}, {cell + " forecast", test_years, forecast}, {"naive (last value)", test_years, naive}}, chart);
    const auto svg_path = (std::filesystem::path(output) / "forecast.svg").string();
    io::write_text_file(svg_path, svg);
    nlohmann::json report{{"cell", cell}, {"window", window}, {"test_years", test_years}, {"truth", truth}, {"forecast", forecast},
                          {"model", {{"mae", model_errors.mae}, {"rmse", model_errors.rmse}}},
                          {"naive", {{"mae", naive_errors.mae}, {"rmse", naive_errors.rmse}}}};
    io::write_text_file((std::filesystem::path(output) / "forecast.json").string(), report.dump(1) + "\n");
    std::printf("wrote %s\n", svg_path.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
