// The `strata` command: wires flags to the subcommands in commands.cpp.
#include <CLI/CLI.hpp>
#include <cfloat>
#include <cstdio>
#include <omp.h>

#include "commands.h"
#include "validators.h"
#include "strata/tensor/error.h"

using strata::cli::Bound;
using strata::cli::kMaxCount;
using strata::cli::number_in;

namespace {
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
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Strata: deep learning in C++ with the Keras workflow"};
  app.require_subcommand(1);
  int threads = 0;
  app.add_option("--threads", threads, "CPU threads for kernels (default: all cores)")->check(number_in(0, strata::cli::max_threads()));

  strata::cli::TrainOptions train;
  auto* train_cmd = app.add_subcommand("train", "Train a model, report on the test split, save it");
  train_cmd->add_option("--model", train.model, "small_cnn, mlp, a zoo model (resnet_compact, resnet18, ...) or a model spec .json")->capture_default_str();
  add_data_options(train_cmd, train.data);
  train_cmd->add_option("--epochs", train.epochs, "Passes over the training set")->capture_default_str()->check(number_in(1, kMaxCount));
  train_cmd->add_option("--batch-size", train.batch_size, "Samples per step")->capture_default_str()->check(number_in(1, kMaxCount));
  train_cmd->add_option("--optimizer", train.optimizer, "sgd, adam, adamw, rmsprop or adagrad")
      ->capture_default_str()
      ->check(CLI::IsMember({"sgd", "adam", "adamw", "rmsprop", "adagrad"}));
  train_cmd->add_option("--lr", train.learning_rate, "Learning rate (default: the optimizer's Keras default)")
      ->check(number_in(0, DBL_MAX, Bound::exclusive));
  train_cmd->add_option("--validation-split", train.validation_split, "Fraction of the training set held out")
      ->capture_default_str()
      ->check(number_in(0.0, 0.9));
  train_cmd->add_option("--seed", train.seed, "Seed for initialization, shuffling and dropout")->capture_default_str();
  train_cmd->add_option("--output", train.output, "Where to save the trained model")->capture_default_str();
  train_cmd->add_option("--verbose", train.verbose, "0 silent, 1 progress bar, 2 one line per epoch")
      ->capture_default_str()
      ->check(number_in(0, 2));
  train_cmd->add_option("--augment", train.augment,
                        "Augmentation, e.g. flip,rotate=15,translate=0.1,zoom=0.1,crop=4,brightness=0.2,contrast=0.2,"
                        "saturation=0.2,hue=0.05,noise=0.05,erase=0.5,fill=reflect (or a file holding such a spec)");
  train_cmd->add_option("--workers", train.workers, "Loader threads that prepare batches ahead")
      ->capture_default_str()
      ->check(number_in(0, strata::cli::max_threads()));

  strata::cli::AugmentPreviewOptions preview;
  auto* augment_cmd = app.add_subcommand("augment", "Write a PNG grid of training images and augmented copies");
  augment_cmd->add_option("--augment", preview.augment, "Augmentation spec or file")->capture_default_str();
  augment_cmd->add_option("--preview", preview.output, "The PNG to write")->capture_default_str();
  augment_cmd->add_option("--samples", preview.samples, "Rows (training images)")->capture_default_str()->check(number_in(1, 1000));
  augment_cmd->add_option("--copies", preview.copies, "Augmented copies per row")->capture_default_str()->check(number_in(1, 1000));
  augment_cmd->add_option("--seed", preview.seed, "Seed")->capture_default_str();
  add_data_options(augment_cmd, preview.data);

  std::string model_path;
  strata::cli::DataOptions eval_data;
  auto* eval_cmd = app.add_subcommand("evaluate", "Evaluate a saved model on the test split");
  eval_cmd->add_option("model", model_path, "A .strata model file")->required();
  add_data_options(eval_cmd, eval_data);
  std::string eval_json;
  eval_cmd->add_option("--json", eval_json, "Also write the report as JSON to this file");

  long count = 5;
  int top_k = 3;
  std::vector<std::string> images;
  auto* predict_cmd = app.add_subcommand("predict", "Top-k classes with probabilities for image files (or test samples)");
  predict_cmd->add_option("model", model_path, "A .strata model file")->required();
  predict_cmd->add_option("images", images, "PNG/JPEG files (default: the first --count test samples)")
      ->check(CLI::ExistingFile);
  add_data_options(predict_cmd, eval_data);
  predict_cmd->add_option("--count", count, "How many samples")->capture_default_str()->check(number_in(1, 1e9));
  predict_cmd->add_option("--top-k", top_k, "Classes per sample")->capture_default_str()->check(number_in(1, 1e6));
  std::string predict_labels;
  predict_cmd->add_option("--labels", predict_labels, "Class names file (overrides the model's)")->check(CLI::ExistingFile);

  strata::cli::ImportOptions import_options;
  auto* import_cmd = app.add_subcommand("import", "Convert an ONNX, Keras 3 .keras or Keras 2 HDF5 model to a .strata model");
  import_cmd->add_option("file", import_options.file, "A .onnx file, a Keras 3 .keras archive or a Keras 2 .h5/.hdf5 full-model file")
      ->required()
      ->check(CLI::ExistingFile);
  import_cmd->add_option("-o,--output", import_options.output, "The .strata file to write")->required();
  import_cmd->add_option("--labels", import_options.labels, "Class names, one per line (or index,name lines)")
      ->check(CLI::ExistingFile);
  import_cmd->add_option("--preprocess", import_options.preprocess,
                         "How predict prepares images: unit ([0,1]), imagenet (torchvision), caffe (BGR, mean 104/117/123), inception ([-1,1]), raw (0-255)")
      ->check(CLI::IsMember({"unit", "imagenet", "caffe", "inception", "raw"}));
  import_cmd->add_flag("--one-example", import_options.one_example,
                       "ONNX: the graph describes one example (its axis 0 is not a batch axis)");
  import_cmd->add_option("--input-shape", import_options.input_shape, "ONNX: input shape without the batch axis, e.g. 3,96,96")
      ->delimiter(',');

  std::string export_output;
  auto* export_cmd = app.add_subcommand("export", "Write a .strata model as ONNX (opset 13), Keras 3 .keras or Keras 2 .h5");
  export_cmd->add_option("model", model_path, "A .strata model file")->required();
  export_cmd->add_option("-o,--output", export_output, "The file to write: .onnx, .keras or .h5/.hdf5 (the extension picks the format)")->required();

  std::string summary_model;
  auto* summary_cmd = app.add_subcommand("summary", "Print a model's layers, output shapes and parameters");
  summary_cmd->add_option("model", summary_model, "small_cnn, mlp, a spec .json or a .strata file")->required();

  strata::cli::ReportOptions report;
  auto* report_cmd = app.add_subcommand("report", "Write an HTML report of a run: curves, confusion matrix, ROC, mistakes");
  report_cmd->add_option("run", report.run_dir, "The run folder (with model.strata and history.json)")->capture_default_str();
  report_cmd->add_option("--model", report.model, "Model file (default: RUN/model.strata)");
  report_cmd->add_option("--output", report.output, "HTML file (default: RUN/report.html)");
  report_cmd->add_option("--misclassified", report.misclassified, "How many misclassified images to show")
      ->capture_default_str()
      ->check(number_in(0, 10000));
  add_data_options(report_cmd, report.data);

  strata::cli::TuneCommandOptions tune;
  auto* tune_cmd = app.add_subcommand("tune", "Hyper-parameter search (grid, random, halving, hyperband) with cross-validation");
  tune_cmd->add_option("--space", tune.space, "Search space JSON file")->required()->check(CLI::ExistingFile);
  tune_cmd->add_option("--data", tune.data, "A .csv file, fashion_mnist, an IDX folder or an image folder")->capture_default_str();
  tune_cmd->add_option("--label-column", tune.label_column, "CSV: label column name (default: the last column)");
  tune_cmd->add_flag("!--no-header", tune.csv_header, "CSV: the file has no header row");
  tune_cmd->add_option("--skip-rows", tune.csv_skip_rows, "CSV: lines to ignore at the top")->check(number_in(0, 1e12));
  tune_cmd->add_option("--class-names", tune.class_names, "CSV: names of labels 0, 1, ... (comma separated)")->delimiter(',');
  tune_cmd->add_option("--test-split", tune.test_split, "CSV: stratified share held out for the final test")
      ->capture_default_str()
      ->check(number_in(0.05, 0.9));
  tune_cmd->add_option("--limit", tune.images.limit, "Image data: use only the first N training samples")->check(number_in(0, 1e12));
  tune_cmd->add_option("--model", tune.model, "mlp, or a model spec .json with \"$param\" placeholders")->capture_default_str();
  tune_cmd->add_option("--objective", tune.objective, "val_accuracy, val_loss or val_<metric>")->capture_default_str();
  tune_cmd->add_option("--direction", tune.direction, "auto (losses and errors minimized), max or min")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "max", "min"}));
  tune_cmd->add_option("--strategy", tune.strategy, "grid, random, halving or hyperband")
      ->capture_default_str()
      ->check(CLI::IsMember({"grid", "random", "halving", "hyperband"}));
  tune_cmd->add_option("--trials", tune.trials, "random: candidates; halving: first-rung candidates")->capture_default_str()->check(number_in(1, kMaxCount));
  tune_cmd->add_option("--epochs", tune.epochs, "Full training budget per candidate")->capture_default_str()->check(number_in(1, kMaxCount));
  tune_cmd->add_option("--min-epochs", tune.min_epochs, "halving/hyperband: first rung's budget")->capture_default_str()->check(number_in(1, kMaxCount));
  tune_cmd->add_option("--eta", tune.eta, "halving/hyperband: keep the best 1/eta per rung")->capture_default_str()->check(number_in(2, 100));
  tune_cmd->add_option("--folds", tune.folds, "Stratified cross-validation folds (1: one held-out split)")->capture_default_str()->check(number_in(1, 100));
  tune_cmd->add_option("--validation-split", tune.validation_split, "Held-out share when --folds 1")->capture_default_str()->check(number_in(0.05, 0.9));
  tune_cmd->add_option("--patience", tune.patience, "Early stopping patience inside a trial (0: off)")->capture_default_str()->check(number_in(0, kMaxCount));
  tune_cmd->add_flag("!--no-standardize", tune.standardize, "Do not standardize features per fold");
  tune_cmd->add_option("--time-budget", tune.time_budget, "Seconds; no trial starts after them (0: none)")->check(number_in(0, 1e9));
  tune_cmd->add_option("--parallel", tune.parallel, "Trials run at once, sharing the cores")->capture_default_str()->check(number_in(1, strata::cli::max_threads()));
  tune_cmd->add_option("--seed", tune.seed, "Seed for candidates, folds, initialization")->capture_default_str();
  tune_cmd->add_option("--output", tune.output, "Folder for results.jsonl (resumable), best.json, best.strata, report.html")->capture_default_str();
  tune_cmd->add_option("--verbose", tune.verbose, "0 quiet, 1 a line per trial")->capture_default_str()->check(number_in(0, 1));

  strata::cli::FinetuneOptions finetune;
  auto* finetune_cmd = app.add_subcommand("finetune", "Transfer learning: a new head on a pre-trained base, then fine-tuning");
  finetune_cmd->add_option("--base", finetune.base, "resnet_fashion, a zoo model (resnet18, mobilenet_v2, ...) or a .strata file")
      ->capture_default_str();
  finetune_cmd->add_option("--weights", finetune.weights, "Weights loaded into the base by layer name");
  finetune_cmd->add_option("--cut-at", finetune.cut_at, "The base layer whose output feeds the new head");
  finetune_cmd->add_option("--freeze-until", finetune.freeze_until, "Stage 2 trains only the layers after this one");
  add_data_options(finetune_cmd, finetune.data);
  finetune_cmd->add_option("--per-class", finetune.per_class, "Only this many labelled training images per class")
      ->check(number_in(0, 1e12));
  finetune_cmd->add_option("--epochs", finetune.epochs, "Stage 1 epochs (head only)")->capture_default_str()->check(number_in(1, kMaxCount));
  finetune_cmd->add_option("--fine-tune-epochs", finetune.fine_tune_epochs, "Stage 2 epochs")->capture_default_str()->check(number_in(0, kMaxCount));
  finetune_cmd->add_option("--lr", finetune.learning_rate, "Stage 1 learning rate")->capture_default_str()->check(number_in(0, DBL_MAX, Bound::exclusive));
  finetune_cmd->add_option("--fine-tune-lr", finetune.fine_tune_learning_rate, "Stage 2 learning rate")
      ->capture_default_str()
      ->check(number_in(0, DBL_MAX, Bound::exclusive));
  finetune_cmd->add_option("--batch-size", finetune.batch_size)->capture_default_str()->check(number_in(1, kMaxCount));
  finetune_cmd->add_option("--seed", finetune.seed)->capture_default_str();
  finetune_cmd->add_option("--output", finetune.output, "Where to save the fine-tuned model")->capture_default_str();

  auto* version_cmd = app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    // One line naming the problem, and the same exit code as every other bad input.
    std::fprintf(stderr, "error: %s (see --help)\n", e.what());
    return 2;
  }
  if (threads > 0) omp_set_num_threads(threads);
  try {
    if (*version_cmd) {
      std::printf("strata 0.1.0\n");
      return 0;
    }
    if (*train_cmd) return strata::cli::run_train(train);
    if (*eval_cmd) return strata::cli::run_evaluate(model_path, eval_data, eval_json);
    if (*report_cmd) return strata::cli::run_report(report);
    if (*predict_cmd) return strata::cli::run_predict(model_path, images, eval_data, count, top_k, predict_labels);
    if (*import_cmd) return strata::cli::run_import(import_options);
    if (*export_cmd) return strata::cli::run_export(model_path, export_output);
    if (*summary_cmd) return strata::cli::run_summary(summary_model);
    if (*augment_cmd) return strata::cli::run_augment_preview(preview);
    if (*tune_cmd) return strata::cli::run_tune(tune);
    if (*finetune_cmd) return strata::cli::run_finetune(finetune);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "error: out of memory: the model or data needs more memory than this machine can give\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
