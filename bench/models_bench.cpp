// Whole-model workloads of the performance issue, one per process run so the peak resident
// memory is the workload's own. Prints one JSON line. bench/models runs each in Strata and in
// PyTorch (bench/torch_models.py) and prints the table.
//   strata_bench_models WORKLOAD [--tiny]
//   workloads: small_cnn_epoch, mlp_epoch, resnet18_train_step, latency_resnet18,
//              latency_mobilenet_v2, latency_vgg16, throughput_resnet18_b16
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "strata/data/idx.h"
#include "strata/models/builtin.h"
#include "strata/models/zoo.h"
#include "strata/strata.h"

using namespace strata;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

// One training epoch of `model` over the first n Fashion-MNIST training images; images/s.
double epoch_images_per_second(const std::shared_ptr<models::Model>& model, std::unique_ptr<optim::Optimizer> opt,
                               int batch, std::int64_t n) {
  const auto d = data::load_fashion_mnist("train");
  const Tensor x = d.images.slice(0, 0, n).contiguous(), y = d.labels.slice(0, 0, n).contiguous();
  auto trainer = train::compile(model, std::move(opt), train::loss_by_name("sparse_categorical_crossentropy"), {});
  const auto t = Clock::now();
  trainer.fit(x, y, train::FitOptions().epochs(1).batch_size(batch).verbose(0));
  return double(n) / seconds_since(t);
}

double median_ms(const std::function<void()>& fn, int runs) {
  fn();  // warm-up: primitives created, buffers cached
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    const auto s = Clock::now();
    fn();
    t.push_back(seconds_since(s) * 1000);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: strata_bench_models WORKLOAD [--tiny]\n");
    return 2;
  }
  const std::string w = argv[1];
  const bool tiny = argc > 2 && std::strcmp(argv[2], "--tiny") == 0;
  manual_seed(0);
  double value = 0;
  std::string unit;
  try {
    if (w == "small_cnn_epoch") {
      auto m = models::builtin_model("small_cnn", {1, 28, 28}, 10);
      auto opt = optim::make_optimizer("adam", m->trainable_variables());
      value = epoch_images_per_second(m, std::move(opt), 64, tiny ? 256 : 60000), unit = "images/s";
    } else if (w == "mlp_epoch") {
      auto m = models::builtin_model("mlp", {1, 28, 28}, 10);
      auto opt = std::make_unique<optim::SGD>(m->trainable_variables(), 0.01, 0.9);
      value = epoch_images_per_second(m, std::move(opt), 128, tiny ? 512 : 60000), unit = "images/s";
    } else if (w == "resnet18_train_step") {
      auto m = models::zoo("resnet18", models::ZooOptions().input_shape({3, 32, 32}).classes(10).classifier_activation("linear"));
      optim::SGD sgd(m->trainable_variables(), 0.01, 0.9);
      const Tensor x = Tensor::normal({tiny ? 4 : 64, 3, 32, 32}, 0, 1);
      std::vector<std::int64_t> labels(static_cast<std::size_t>(x.size(0)));
      for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int64_t>(i % 10);
      const Tensor y = Tensor::from_vector(labels, {x.size(0)});
      const double ms = median_ms([&] {
        Variable loss = ops::softmax_cross_entropy(m->call({Variable(x)}, true), y);
        loss.backward();
        sgd.step();
        sgd.zero_grad();
      }, tiny ? 1 : 10);
      value = double(x.size(0)) / (ms / 1000), unit = "images/s";
    } else if (w.rfind("latency_", 0) == 0 || w == "throughput_resnet18_b16") {
      const std::string name = w == "throughput_resnet18_b16" ? "resnet18" : w.substr(8);
      const std::int64_t batch = w == "throughput_resnet18_b16" ? (tiny ? 2 : 16) : 1, size = tiny ? 64 : 224;
      auto m = models::zoo(name, models::ZooOptions().input_shape({3, size, size}));
      const Tensor x = Tensor::normal({batch, 3, size, size}, 0, 1);
      NoGradGuard no_grad;
      const double ms = median_ms([&] { m->call({Variable(x)}, false); }, tiny ? 1 : 20);
      if (batch == 1) value = ms, unit = "ms";
      else value = double(batch) / (ms / 1000), unit = "images/s";
    } else {
      std::fprintf(stderr, "unknown workload %s\n", w.c_str());
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  std::printf("{\"workload\": \"%s\", \"value\": %.3f, \"unit\": \"%s\", \"peak_rss_mb\": %.1f}\n", w.c_str(), value, unit.c_str(),
              peak_rss_mb());
  return 0;
}
