// `strata train`: trains a built-in, zoo or spec model on a data set, reports on the test split,
// saves the model with its optimizer state and the run's history beside it.
#include <CLI/CLI.hpp>
#include <cfloat>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "command.h"
#include "validators.h"
#include "strata/data/augment.h"
#include "strata/data/loader.h"
#include "strata/io/atomic_file.h"
#include "strata/io/model_io.h"
#include "strata/io/text_file.h"
#include "strata/train/callbacks.h"
#include "strata/train/training.h"

namespace strata::cli {
namespace {

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

int run_train(const TrainOptions& o) {
  // The outputs' location is checked before any training, not after the last epoch.
  const auto parent = std::filesystem::path(o.output).parent_path();
  const auto history_path = (parent.empty() ? std::filesystem::path(".") : parent) / "history.json";
  io::check_writable(o.output);
  io::check_writable(history_path.string());
  manual_seed(o.seed);
  std::printf("Loading %s\n", o.data.data.c_str());
  const auto full = load_split(o.data, "train");
  const auto test = load_split(o.data, "test");
  const Shape input_shape = full->input_shape();
  const auto classes = static_cast<std::int64_t>(full->class_names().size());
  // Keras' validation_split: the last fraction of the training data, before shuffling.
  const auto n_val = static_cast<std::int64_t>(double(full->size()) * o.validation_split);
  const auto train_set = std::make_shared<data::Subset>(full, range(0, full->size() - n_val));
  const auto val_set = n_val > 0 ? std::make_shared<data::Subset>(full, range(full->size() - n_val, full->size())) : nullptr;
  std::printf("train %s, validation %lld, test %lld examples\n\n", train_set->describe().c_str(),
              static_cast<long long>(n_val), static_cast<long long>(test->size()));

  auto model = model_from_spec_or_name(o.model, input_shape, classes);
  std::printf("%s\n", model->summary().c_str());
  train::Trainer trainer =
      train::compile(model, o.optimizer, "sparse_categorical_crossentropy", {"accuracy"}, o.learning_rate);
  data::LoaderOptions loader_options;
  loader_options.batch_size = o.batch_size;
  loader_options.seed = trainer.seed();
  loader_options.workers = o.workers;
  const std::string spec = read_augment_spec(o.augment);
  if (!spec.empty()) {
    loader_options.augmentation = std::make_shared<data::Augmentation>(data::parse_augmentation(spec));
    std::printf("augmentation: %s\n\n", loader_options.augmentation->spec().c_str());
  }
  data::DataLoader train_loader(train_set, loader_options);
  std::unique_ptr<data::DataLoader> val_loader;
  if (val_set) {
    data::LoaderOptions val_options;
    val_options.batch_size = 256;
    val_options.shuffle = false;
    val_loader = std::make_unique<data::DataLoader>(val_set, val_options);
  }
  auto nan_guard = std::make_shared<train::TerminateOnNaN>();
  train::FitOptions fit;
  fit.epochs(o.epochs).verbose(o.verbose).callbacks({nan_guard});
  const train::History history = trainer.fit(train_loader, fit, val_loader.get());
  if (nan_guard->terminated()) {
    std::fprintf(stderr, "error: the loss became NaN or infinite; lower --lr and try again (the model was not saved)\n");
    return 3;
  }
  print_report(trainer, *test);
  nlohmann::json training_config = trainer.training_config();
  auto metadata = io::ModelMetadata::from_training_config(training_config);
  metadata.class_names = full->class_names();  // for `strata predict` on image files
  metadata.write_to(training_config);
  io::save_model(o.output, *model, &trainer.optimizer(), training_config);
  // The run's history beside the model, for `strata report`.
  io::write_text_file(history_path.string(), history.to_json().dump(1));
  std::printf("\nsaved the model to %s and its history to %s\n", o.output.c_str(), history_path.c_str());
  return 0;
}

}  // namespace

void add_train(CLI::App& app, Run& selected) {
  auto [o, cmd] = add_command<TrainOptions>(
      app, selected, "train", "Train a model, report on the test split, save it",
      run_train);
  cmd->add_option("--model", o->model, "small_cnn, mlp, a zoo model (resnet_compact, resnet18, ...) or a model spec .json")->capture_default_str();
  add_data_options(cmd, o->data);
  cmd->add_option("--epochs", o->epochs, "Passes over the training set")->capture_default_str()->check(number_in(1, kMaxCount));
  cmd->add_option("--batch-size", o->batch_size, "Samples per step")->capture_default_str()->check(number_in(1, kMaxCount));
  cmd->add_option("--optimizer", o->optimizer, "sgd, adam, adamw, rmsprop or adagrad")
      ->capture_default_str()
      ->check(CLI::IsMember({"sgd", "adam", "adamw", "rmsprop", "adagrad"}));
  cmd->add_option("--lr", o->learning_rate, "Learning rate (default: the optimizer's Keras default)")
      ->check(number_in(0, DBL_MAX, Bound::exclusive));
  cmd->add_option("--validation-split", o->validation_split, "Fraction of the training set held out")
      ->capture_default_str()
      ->check(number_in(0.0, 0.9));
  cmd->add_option("--seed", o->seed, "Seed for initialization, shuffling and dropout")->capture_default_str();
  cmd->add_option("--output", o->output, "Where to save the trained model")->capture_default_str();
  cmd->add_option("--verbose", o->verbose, "0 silent, 1 progress bar, 2 one line per epoch")
      ->capture_default_str()
      ->check(number_in(0, 2));
  cmd->add_option("--augment", o->augment,
                  "Augmentation, e.g. flip,rotate=15,translate=0.1,zoom=0.1,crop=4,brightness=0.2,contrast=0.2,"
                  "saturation=0.2,hue=0.05,noise=0.05,erase=0.5,fill=reflect (or a file holding such a spec)");
  cmd->add_option("--workers", o->workers, "Loader threads that prepare batches ahead")
      ->capture_default_str()
      ->check(number_in(0, strata::cli::max_threads()));
}

}  // namespace strata::cli
