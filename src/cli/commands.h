// The `strata` subcommands. Each returns the process exit code; errors are thrown as
// strata::Error and reported by main() as "error: ..." with exit code 2.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/metrics/classification.h"

namespace strata::cli {

struct DataOptions {
  std::string data = "fashion_mnist";  // or a folder of IDX files, or of train/ and test/ image folders
  long limit = 0;                      // only the first N training (and N/6 test) samples
  std::int64_t image_size = 28;        // image folders: decoded images are resized to this square
  int channels = 1;                    // image folders: 1 gray, 3 RGB
};

struct TrainOptions {
  std::string model = "small_cnn";  // built-in name or a model spec .json
  DataOptions data;
  int epochs = 10;
  int batch_size = 64;
  std::string optimizer = "adam";
  double learning_rate = 0.0;  // 0: the optimizer's default
  double validation_split = 0.1;
  unsigned long seed = 42;
  std::string output = "runs/model.strata";
  int verbose = 1;
  std::string augment;  // augmentation spec ("flip,rotate=10") or a file holding one
  int workers = 2;      // loader threads
};

struct AugmentPreviewOptions {
  DataOptions data;
  std::string augment = "flip,rotate=15,translate=0.1,zoom=0.1,brightness=0.1,contrast=0.1";
  std::string output = "runs/augment_preview.png";
  int samples = 6;  // rows: each an original followed by augmented copies
  int copies = 7;
  unsigned long seed = 42;
};

int run_train(const TrainOptions& options);
int run_evaluate(const std::string& model_path, const DataOptions& data, const std::string& json_path = "");
int run_summary(const std::string& model);
// Top-k classes for image files (decoded to the model's input size), or for the first `count`
// test samples when no images are given.
// Images are prepared with the preprocessing saved in the model (imported models) and scores
// shown as probabilities (softmax of logits). `labels` overrides the saved class names.
int run_predict(const std::string& model_path, const std::vector<std::string>& images, const DataOptions& data,
                long count, int top_k, const std::string& labels = "");
int run_augment_preview(const AugmentPreviewOptions& options);

struct ReportOptions {
  std::string run_dir = "runs";
  std::string model;   // default: RUN_DIR/model.strata
  std::string output;  // default: RUN_DIR/report.html
  DataOptions data;
  int misclassified = 24;
};
int run_report(const ReportOptions& options);

struct TuneCommandOptions {
  std::string space;                 // the search space JSON file
  std::string data = "fashion_mnist";  // a .csv file, or what DataOptions::data takes
  DataOptions images;                // for image data
  std::string label_column;          // CSV: label column by header name (default: the last column)
  bool csv_header = true;
  int csv_skip_rows = 0;
  std::vector<std::string> class_names;
  double test_split = 0.2;           // CSV: stratified share held out for the final test
  std::string model = "mlp";         // mlp, or a model spec .json with "$param" placeholders
  std::string objective = "val_accuracy";
  std::string direction = "auto";    // auto, max, min
  std::string strategy = "random";
  int trials = 20;
  int epochs = 30;
  int min_epochs = 1;
  int eta = 3;
  int folds = 5;
  double validation_split = 0.2;     // folds == 1
  int patience = 5;
  bool standardize = true;
  double time_budget = 0;            // seconds
  int parallel = 1;
  unsigned long seed = 0;
  std::string output = "tune";       // folder: results.jsonl, best.json, best.strata, report.html
  int verbose = 1;
};
int run_tune(const TuneCommandOptions& options);

struct FinetuneOptions {
  std::string base = "resnet_fashion";  // resnet_fashion, a zoo name, or a .strata model file
  std::string weights;                  // weights loaded into the base by layer name
  std::string cut_at;                   // the base's layer whose output feeds the new head
  DataOptions data;
  long per_class = 0;                   // only this many labelled training images per class (0: all)
  std::string freeze_until;             // stage 2 trains the layers after this one (default: the last stage)
  int epochs = 5;                       // stage 1: the new head on the frozen base
  int fine_tune_epochs = 5;             // stage 2: unfrozen top layers and the head
  double learning_rate = 1e-2;          // stage 1: only the new head learns, a high rate suits it
  double fine_tune_learning_rate = 1e-4;
  int batch_size = 32;
  double validation_split = 0.1;
  unsigned long seed = 42;
  std::string output = "runs/finetune.strata";
};
int run_finetune(const FinetuneOptions& options);
// The report as JSON: accuracy, per-class precision/recall/F1/support, averages, confusion matrix.
nlohmann::json evaluation_json(const metrics::ClassificationReport& report, const std::vector<std::string>& class_names);
// A JSON file (key order kept); `what` names it in the error for a missing or malformed file.
nlohmann::ordered_json read_json_file(const std::string& path, const char* what);
// Creates the folder an output file goes into, when missing.
void ensure_parent_folder(const std::string& path);
// An augmentation spec given inline or as a file that holds one.
std::string read_augment_spec(const std::string& spec_or_file);

}  // namespace strata::cli

namespace strata::cli {

struct ImportOptions {
  std::string file;                 // .onnx, or a Keras .h5/.hdf5 (recognised by content)
  std::string output;               // the .strata model to write
  std::string labels;               // class names, one per line or "index,name, ..." lines
  std::string preprocess;           // unit, imagenet, caffe, inception, raw (default: unit)
  bool one_example = false;         // ONNX: the graph describes one example (no batch axis)
  std::vector<std::int64_t> input_shape;  // ONNX: per-example input shape override (C,H,W)
};
int run_import(const ImportOptions& options);
int run_export(const std::string& model_path, const std::string& output);

}  // namespace strata::cli
