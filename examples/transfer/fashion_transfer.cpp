// Transfer learning on Fashion-MNIST: a compact ResNet pre-trained on classes 0-4 (T-shirt,
// trouser, pullover, dress, coat) then learns classes 5-9 (sandal, shirt, sneaker, bag, ankle
// boot) from 50 labelled images per class, three ways with the same budget:
//   (a) the pre-trained base frozen, a new head trained;
//   (b) the pre-trained base fine-tuned with the new head (a lower learning rate);
//   (c) the same network from scratch.
// Prints the three test accuracies on classes 5-9.
//
//   build/examples/strata_fashion_transfer [--pretrain-epochs 3] [--epochs 40] [--per-class 50]
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>

#include "strata/data/idx.h"
#include "strata/models/transfer.h"
#include "strata/models/zoo.h"
#include "strata/strata.h"

using namespace strata;

namespace {

struct Split {
  Tensor x, y;
};

// Examples whose label is in [first, first + 5), relabelled 0-4; at most `per_class` each (0: all).
Split select(const data::LabelledImages& d, std::int64_t first, std::int64_t per_class) {
  const auto labels = d.labels.to_vector<std::int64_t>();
  std::vector<std::int64_t> rows, relabelled, taken(5, 0);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const std::int64_t c = labels[i] - first;
    if (c < 0 || c >= 5 || (per_class && taken[c] >= per_class)) continue;
    ++taken[c];
    rows.push_back(static_cast<std::int64_t>(i));
    relabelled.push_back(c);
  }
  return {gather_rows(d.images, rows), Tensor::from_vector(relabelled, {static_cast<std::int64_t>(rows.size())})};
}

double accuracy(train::Trainer& t, const Split& s) { return t.evaluate(s.x, s.y).at("accuracy"); }

std::shared_ptr<models::Model> pretrained_with_new_head(const std::string& weights, const std::string& cut,
                                                        const std::string& pooling) {
  auto base = models::zoo("resnet_compact", models::ZooOptions().classes(5));
  io::load_weights(weights, *base, io::MatchBy::name);
  return models::with_new_head(models::cut_at(base, cut), 5, 0.0, "softmax", pooling);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Transfer learning on Fashion-MNIST: frozen base, fine-tuning and from scratch"};
  int pretrain_epochs = 3, epochs = 40;
  std::int64_t per_class = 50;
  unsigned long seed = 1;
  double head_lr = 1e-3, tune_lr = 3e-4;
  bool reuse = false;
  std::string output = "runs/transfer", cut = "layer3.1.relu", pooling = "flatten";
  app.add_option("--pretrain-epochs", pretrain_epochs)->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--epochs", epochs, "Epochs of each arm on the few labelled images")->capture_default_str();
  app.add_option("--per-class", per_class, "Labelled images per new class")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--seed", seed)->capture_default_str();
  app.add_option("--output", output, "Folder for the pre-trained weights")->capture_default_str();
  app.add_option("--cut-at", cut, "The base layer feeding the new head")->capture_default_str();
  app.add_option("--pooling", pooling, "The head's pooling: avg, max or flatten")->capture_default_str();
  app.add_option("--head-lr", head_lr, "Learning rate of (a), the head on the frozen base")->capture_default_str();
  app.add_option("--fine-tune-lr", tune_lr, "Learning rate of (b), fine-tuning")->capture_default_str();
  app.add_flag("--reuse-pretrained", reuse, "Start from OUTPUT's pre-trained weights if they exist");
  CLI11_PARSE(app, argc, argv);
  try {
    const auto train_set = data::load_fashion_mnist("train"), test_set = data::load_fashion_mnist("test");
    const Split old_train = select(train_set, 0, 0), old_test = select(test_set, 0, 0);
    const Split new_train = select(train_set, 5, per_class), new_test = select(test_set, 5, 0);
    std::printf("pre-training on classes 0-4: %lld images; new task, classes 5-9: %lld labelled images, %lld test images\n",
                static_cast<long long>(old_train.x.size(0)), static_cast<long long>(new_train.x.size(0)),
                static_cast<long long>(new_test.x.size(0)));

    manual_seed(seed);
    std::filesystem::create_directories(output);
    const std::string weights = (std::filesystem::path(output) / "resnet_compact_classes_0_4.weights").string();
    auto base = models::zoo("resnet_compact", models::ZooOptions().classes(5));
    auto pre = train::compile(base, "adam", "sparse_categorical_crossentropy", {"accuracy"});
    if (reuse && std::filesystem::exists(weights)) {
      io::load_weights(weights, *base, io::MatchBy::name);
    } else {
      pre.fit(old_train.x, old_train.y, train::FitOptions().epochs(pretrain_epochs).batch_size(64).verbose(2));
      io::save_weights(weights, *base);
    }
    std::printf("pre-trained: test accuracy on classes 0-4 %.4f\n\n", accuracy(pre, old_test));

    const auto fit = train::FitOptions().epochs(epochs).batch_size(32).verbose(0);
    manual_seed(seed + 1);
    auto frozen = pretrained_with_new_head(weights, cut, pooling);
    models::set_trainable(*frozen, ".*", false);
    models::set_trainable(*frozen, "head", true);
    auto a = train::compile(frozen, "adam", "sparse_categorical_crossentropy", {"accuracy"}, head_lr);
    a.fit(new_train.x, new_train.y, fit);
    const double acc_frozen = accuracy(a, new_test);
    std::printf("(a) frozen pre-trained base + new head: %.4f (%lld of %lld parameters trained)\n", acc_frozen,
                static_cast<long long>(frozen->count_trainable_params()), static_cast<long long>(frozen->count_params()));

    manual_seed(seed + 1);
    auto tuned = pretrained_with_new_head(weights, cut, pooling);
    auto b = train::compile(tuned, "adam", "sparse_categorical_crossentropy", {"accuracy"}, tune_lr);
    b.fit(new_train.x, new_train.y, fit);
    const double acc_tuned = accuracy(b, new_test);
    std::printf("(b) fine-tuned pre-trained base + new head: %.4f\n", acc_tuned);

    manual_seed(seed + 1);
    auto scratch = models::zoo("resnet_compact", models::ZooOptions().classes(5));
    auto c = train::compile(scratch, "adam", "sparse_categorical_crossentropy", {"accuracy"}, 1e-3);
    c.fit(new_train.x, new_train.y, fit);
    const double acc_scratch = accuracy(c, new_test);
    std::printf("(c) the same network from scratch: %.4f\n\n", acc_scratch);
    std::printf("%s\n", acc_frozen > acc_scratch && acc_tuned > acc_scratch ? "both transfer arms beat training from scratch"
                                                                             : "transfer did NOT beat training from scratch");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
