// Transfer learning from ImageNet, for real: MobileNetV2 trained on ImageNet (the ONNX Model
// Zoo network in pretrained/onnx/, imported at 96x96) learns Fashion-MNIST from 100 labelled
// images per class, against the same network from scratch with the same budget.
//   (a) pre-trained: the base frozen and a new head trained (stage 1), then the whole network
//       fine-tuned at a lower learning rate (stage 2);
//   (b) the same imported architecture with fresh weights, trained for stage 1 + stage 2 epochs;
//   (c) Strata's zoo MobileNetV2 (with batch normalization, which the imported network has
//       folded into its convolutions) from scratch, same budget — the fairest scratch baseline;
//       its batch-norm statistics are re-estimated for the final weights before the test.
// Images: 28x28 gray resized to 96x96, copied to RGB, normalized with ImageNet's mean and std.
//
//   build/examples/strata_imagenet_transfer [--per-class 100] [--head-epochs 8] [--fine-tune-epochs 4]
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>

#include "strata/data/idx.h"
#include "strata/data/image_io.h"
#include "strata/interop/onnx_import.h"
#include "strata/models/transfer.h"
#include "strata/models/zoo.h"
#include "strata/strata.h"

using namespace strata;

namespace {

struct Split {
  Tensor x, y;
};

// The first `per_class` images of each class (0: all of the first `limit`), as ImageNet input.
Split prepare(const data::LabelledImages& d, std::int64_t per_class, std::int64_t limit, std::int64_t size) {
  const auto labels = d.labels.to_vector<std::int64_t>();
  std::vector<std::int64_t> rows, kept, taken(10, 0);
  for (std::size_t i = 0; i < labels.size() && (limit == 0 || static_cast<std::int64_t>(rows.size()) < limit); ++i) {
    if (per_class && taken[labels[i]] >= per_class) continue;
    ++taken[labels[i]];
    rows.push_back(static_cast<std::int64_t>(i));
    kept.push_back(labels[i]);
  }
  const auto n = static_cast<std::int64_t>(rows.size());
  Tensor x = Tensor::empty({n, 3, size, size});
  const double mean[3] = {0.485, 0.456, 0.406}, stddev[3] = {0.229, 0.224, 0.225};
  for (std::int64_t i = 0; i < n; ++i) {
    const Tensor gray = data::resize(d.images.select(0, rows[i]), size, size);  // [1, size, size] in [0, 1]
    for (int c = 0; c < 3; ++c) x.select(0, i).select(0, c).copy_((gray.select(0, 0) - mean[c]) / stddev[c]);
  }
  return {x, Tensor::from_vector(kept, {n})};
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Transfer learning from ImageNet: imported MobileNetV2 vs the same network from scratch"};
  std::int64_t per_class = 100, test_count = 2000, size = 96;
  int head_epochs = 8, tune_epochs = 4, batch = 32;
  double head_lr = 1e-3, tune_lr = 1e-4, scratch_lr = 1e-3;
  unsigned long seed = 1;
  bool zoo_baseline = true;
  int verbose = 0;
  std::string onnx = "pretrained/onnx/mobilenetv2-1.0-fp32-dequant.onnx";
  app.add_option("--per-class", per_class, "Labelled training images per class")->capture_default_str();
  app.add_option("--test-count", test_count, "Test images (the first N of the test set)")->capture_default_str();
  app.add_option("--size", size, "Image size fed to the network")->capture_default_str();
  app.add_option("--head-epochs", head_epochs, "Stage 1: the new head on the frozen base")->capture_default_str();
  app.add_option("--fine-tune-epochs", tune_epochs, "Stage 2: everything, at --fine-tune-lr")->capture_default_str();
  app.add_option("--batch-size", batch)->capture_default_str();
  app.add_option("--head-lr", head_lr)->capture_default_str();
  app.add_option("--fine-tune-lr", tune_lr)->capture_default_str();
  app.add_option("--scratch-lr", scratch_lr)->capture_default_str();
  app.add_option("--seed", seed)->capture_default_str();
  app.add_option("--onnx", onnx, "The ImageNet MobileNetV2 (ONNX)")->capture_default_str()->check(CLI::ExistingFile);
  app.add_flag("!--no-zoo-baseline", zoo_baseline, "Skip (c), the zoo MobileNetV2 with batch norm from scratch");
  app.add_option("--verbose", verbose, "0 quiet, 2 a line per epoch")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    const auto start = std::chrono::steady_clock::now();
    const Split train_set = prepare(data::load_fashion_mnist("train"), per_class, 0, size);
    const Split test_set = prepare(data::load_fashion_mnist("test"), 0, test_count, size);
    std::printf("Fashion-MNIST at %lldx%lld RGB: %lld labelled training images, %lld test images\n",
                static_cast<long long>(size), static_cast<long long>(size), static_cast<long long>(train_set.x.size(0)),
                static_cast<long long>(test_set.x.size(0)));
    const int epochs = head_epochs + tune_epochs;
    auto fit = [&](train::Trainer& t, int n) {
      t.fit(train_set.x, train_set.y, train::FitOptions().epochs(n).batch_size(batch).verbose(verbose));
    };
    auto accuracy = [&](train::Trainer& t) { return t.evaluate(test_set.x, test_set.y, batch * 4).at("accuracy"); };

    interop::OnnxImportOptions options;
    options.input_shapes[interop::onnx_input_names(onnx).at(0)] = {3, size, size};
    auto imagenet = interop::import_onnx(onnx, options);
    // The base ends at the global average pooling (1280 features); the head replaces the 1000-class classifier.
    std::string pool;
    for (const auto& l : imagenet->layers())
      if (l->type() == "GlobalAveragePooling2D") pool = l->name();
    STRATA_CHECK(!pool.empty(), "the imported network has no global average pooling to cut at");

    manual_seed(seed);
    auto model = models::with_new_head(models::cut_at(imagenet, pool), 10, 0.2, "softmax", "flatten");
    models::set_trainable(*model, ".*", false);
    models::set_trainable(*model, "head", true);
    auto a = train::compile(model, "adam", "sparse_categorical_crossentropy", {"accuracy"}, head_lr);
    fit(a, head_epochs);
    const double stage1 = accuracy(a);
    std::printf("(a) pre-trained on ImageNet, base frozen + new head, %d epochs: test accuracy %.4f  [%.0f s]\n", head_epochs,
                stage1, seconds_since(start));
    models::set_trainable(*model, ".*", true);
    a.refresh_trainable();
    a.optimizer().set_learning_rate(tune_lr);
    fit(a, tune_epochs);
    const double pretrained = accuracy(a);
    std::printf("    then fine-tuned, %d more epochs at lr %.0e: test accuracy %.4f  [%.0f s]\n", tune_epochs, tune_lr,
                pretrained, seconds_since(start));

    manual_seed(seed);
    auto fresh = models::model_from_config(model->config());  // the same graph, freshly initialized
    auto b = train::compile(fresh, "adam", "sparse_categorical_crossentropy", {"accuracy"}, scratch_lr);
    fit(b, epochs);
    const double scratch = accuracy(b);
    std::printf("(b) the same network from scratch, %d epochs: test accuracy %.4f  [%.0f s]\n", epochs, scratch,
                seconds_since(start));
    double best_scratch = scratch;
    if (zoo_baseline) {
      manual_seed(seed);
      auto zoo = models::zoo("mobilenet_v2", models::ZooOptions().input_shape({3, size, size}).classes(10));
      auto c = train::compile(zoo, "adam", "sparse_categorical_crossentropy", {"accuracy"}, scratch_lr);
      fit(c, epochs);
      // Keras' momentum 0.99 lags after 384 steps (the moving variance starts at 1 and many
      // channels have variances near 0.01): re-estimate the statistics for the final weights.
      train::update_batch_norm(*zoo, train_set.x, batch);
      const double zoo_acc = accuracy(c);
      best_scratch = std::max(best_scratch, zoo_acc);
      std::printf("(c) zoo MobileNetV2 with batch normalization from scratch, %d epochs: test accuracy %.4f  [%.0f s]\n",
                  epochs, zoo_acc, seconds_since(start));
    }
    std::printf("\npre-trained %.4f vs best from scratch %.4f: %s\n", pretrained, best_scratch,
                pretrained > best_scratch + 0.05 ? "ImageNet pre-training clearly wins"
                                                 : "ImageNet pre-training did NOT clearly win");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
