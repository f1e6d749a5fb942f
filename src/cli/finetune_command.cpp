// `strata finetune`: transfer learning in the classic two stages. Stage 1 trains a new head on
// the frozen pre-trained base; stage 2 unfreezes the layers after --freeze-until and trains
// them with the head at a lower learning rate. Both stages are reported on the test split.
#include <cfloat>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include "command.h"
#include "validators.h"
#include "strata/io/pretrained.h"
#include "strata/io/atomic_file.h"
#include "strata/io/model_io.h"
#include "strata/models/transfer.h"
#include "strata/models/zoo.h"
#include "strata/tensor/math.h"
#include "strata/train/training.h"

namespace strata::cli {

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
namespace {

struct Base {
  std::shared_ptr<models::Model> model;
  std::string cut_at, freeze_until;
};

Base load_base(const FinetuneOptions& o, const Shape& input_shape) {
  Base b;
  if (o.base == "resnet_fashion") {
    // resnet_compact trained on all of Fashion-MNIST by tools/pretrain/resnet_fashion.sh.
    b.model = io::load_pretrained("resnet_fashion");
    STRATA_CHECK(b.model->input_shape() == input_shape, "finetune: resnet_fashion takes ", shape_str(b.model->input_shape()),
                 " images but the data has ", shape_str(input_shape), " (use --image-size 28 --channels 1)");
    if (!o.weights.empty()) io::load_weights(o.weights, *b.model, io::MatchBy::name);
    b.cut_at = "layer3.1.relu";
    b.freeze_until = "layer2.1.relu";
  } else if (std::filesystem::path(o.base).extension() == ".strata") {
    b.model = io::load_model(o.base).model;
    const auto layers = b.model->layers();
    STRATA_CHECK(layers.size() >= 3, "finetune: model '", o.base, "' is too small to cut");
    b.cut_at = layers[layers.size() - 2]->name();  // the input of its classifier
  } else {
    const auto names = models::zoo_names();
    STRATA_CHECK(std::find(names.begin(), names.end(), o.base) != names.end(), "finetune: --base must be resnet_fashion, ",
                 "a zoo model or a .strata file, got \"", o.base, "\"");
    b.model = models::zoo(o.base, models::ZooOptions().input_shape(input_shape).small_input(models::needs_small_input(input_shape))
                                      .include_top(false));
    if (!o.weights.empty()) io::load_weights(o.weights, *b.model, io::MatchBy::name);
    b.cut_at = b.model->layers().back()->name();
  }
  if (!o.cut_at.empty()) b.cut_at = o.cut_at;
  if (!o.freeze_until.empty()) b.freeze_until = o.freeze_until;
  return b;
}

// At most `per_class` examples of each class (the first ones), or all.
data::Example take_per_class(const data::Example& e, long per_class) {
  if (per_class <= 0) return e;
  const auto labels = e.target.to_vector<std::int64_t>();
  std::map<std::int64_t, long> taken;
  std::vector<std::int64_t> rows;
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (taken[labels[i]]++ < per_class) rows.push_back(static_cast<std::int64_t>(i));
  return {gather_rows(e.input, rows), gather_rows(e.target, rows)};
}

}  // namespace

int run_finetune(const FinetuneOptions& o) {
  io::check_writable(o.output);  // before training, not after it
  manual_seed(o.seed);
  const auto train_set = load_split(o.data, "train"), test_set = load_split(o.data, "test");
  const auto classes = static_cast<std::int64_t>(train_set->class_names().size());
  const data::Example train = take_per_class(data::to_tensors(*train_set), o.per_class);
  const data::Example test = data::to_tensors(*test_set);
  Base base = load_base(o, train_set->input_shape());
  auto model = models::with_new_head(models::cut_at(base.model, base.cut_at), classes, 0.2);
  std::printf("base %s cut at %s, new head for %lld classes; %lld training images, %lld test images\n\n", o.base.c_str(),
              base.cut_at.c_str(), static_cast<long long>(classes), static_cast<long long>(train.input.size(0)),
              static_cast<long long>(test.input.size(0)));
  const auto fit = [&](int epochs) {
    return train::FitOptions().epochs(epochs).batch_size(o.batch_size).validation_split(o.validation_split).verbose(2);
  };

  // Stage 1: everything but the head frozen (frozen batch norms use their moving statistics).
  models::set_trainable(*model, ".*", false);
  models::set_trainable(*model, "head.*", true);
  std::printf("stage 1: the new head on the frozen base (%lld of %lld parameters trainable)\n",
              static_cast<long long>(model->count_trainable_params()), static_cast<long long>(model->count_params()));
  auto stage1 = train::compile(model, "adam", "sparse_categorical_crossentropy", {"accuracy"}, o.learning_rate);
  stage1.fit(train.input, train.target, fit(o.epochs));
  const double acc1 = stage1.evaluate(test.input, test.target).at("accuracy");
  std::printf("stage 1 test accuracy %.4f\n\n", acc1);

  // Stage 2: unfreeze after freeze_until (or everything) and continue at a lower rate.
  if (base.freeze_until.empty()) {
    models::set_trainable(*model, ".*", true);
  } else {
    models::freeze_up_to(*model, base.freeze_until);
  }
  std::printf("stage 2: fine-tuning %s at learning rate %g (%lld parameters trainable)\n",
              base.freeze_until.empty() ? "every layer" : ("the layers after " + base.freeze_until).c_str(),
              o.fine_tune_learning_rate, static_cast<long long>(model->count_trainable_params()));
  auto stage2 = train::compile(model, "adam", "sparse_categorical_crossentropy", {"accuracy"}, o.fine_tune_learning_rate);
  stage2.fit(train.input, train.target, fit(o.fine_tune_epochs));
  const double acc2 = stage2.evaluate(test.input, test.target).at("accuracy");
  std::printf("stage 2 test accuracy %.4f\n\nstage 1 (frozen base) %.4f -> stage 2 (fine-tuned) %.4f\n", acc2, acc1, acc2);
  nlohmann::json config = stage2.training_config();
  auto metadata = io::ModelMetadata::from_training_config(config);
  metadata.class_names = train_set->class_names();
  metadata.write_to(config);
  io::save_model(o.output, *model, &stage2.optimizer(), config);
  std::printf("saved %s\n", o.output.c_str());
  return 0;
}

void add_finetune(CLI::App& app, Run& selected) {
  auto [o, cmd] = add_command<FinetuneOptions>(
      app, selected, "finetune", "Transfer learning: a new head on a pre-trained base, then fine-tuning",
      run_finetune);
  cmd->add_option("--base", o->base, "resnet_fashion, a zoo model (resnet18, mobilenet_v2, ...) or a .strata file")
      ->capture_default_str();
  cmd->add_option("--weights", o->weights, "Weights loaded into the base by layer name");
  cmd->add_option("--cut-at", o->cut_at, "The base layer whose output feeds the new head");
  cmd->add_option("--freeze-until", o->freeze_until, "Stage 2 trains only the layers after this one");
  add_data_options(cmd, o->data);
  cmd->add_option("--per-class", o->per_class, "Only this many labelled training images per class")
      ->check(number_in(0, 1e12));
  cmd->add_option("--epochs", o->epochs, "Stage 1 epochs (head only)")->capture_default_str()->check(number_in(1, kMaxCount));
  cmd->add_option("--fine-tune-epochs", o->fine_tune_epochs, "Stage 2 epochs")->capture_default_str()->check(number_in(0, kMaxCount));
  cmd->add_option("--lr", o->learning_rate, "Stage 1 learning rate")->capture_default_str()->check(number_in(0, DBL_MAX, Bound::exclusive));
  cmd->add_option("--fine-tune-lr", o->fine_tune_learning_rate, "Stage 2 learning rate")
      ->capture_default_str()
      ->check(number_in(0, DBL_MAX, Bound::exclusive));
  cmd->add_option("--batch-size", o->batch_size)->capture_default_str()->check(number_in(1, kMaxCount));
  cmd->add_option("--seed", o->seed)->capture_default_str();
  cmd->add_option("--output", o->output, "Where to save the fine-tuned model")->capture_default_str();
}

}  // namespace strata::cli
