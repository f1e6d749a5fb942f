// How fast the DataLoader delivers augmented Fashion-MNIST batches, to compare with the
// training throughput of the small CNN (bench/compare_main_job): the loader must not be the
// bottleneck. usage: strata_bench_loader [augmentation spec] [workers]
#include <chrono>
#include <cstdio>
#include <string>

#include "strata/data/loader.h"

using namespace strata;

int main(int argc, char** argv) {
  const std::string spec = argc > 1 ? argv[1] : "flip,rotate=10,translate=0.1";
  const int workers = argc > 2 ? std::stoi(argv[2]) : 2;
  try {
    auto train = data::fashion_mnist("train");
    data::LoaderOptions o;
    o.batch_size = 64;
    o.workers = workers;
    o.augmentation = std::make_shared<data::Augmentation>(data::parse_augmentation(spec));
    data::DataLoader loader(train, o);
    for (int epoch = 0; epoch < 2; ++epoch) {
      const auto start = std::chrono::steady_clock::now();
      loader.start_epoch(epoch, true);
      data::Example batch;
      std::int64_t images = 0;
      while (loader.next(batch)) images += batch.input.size(0);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("epoch %d: %lld augmented images (%s) in %.2f s on %d workers: %.0f images/s\n", epoch,
                  static_cast<long long>(images), spec.c_str(), seconds, workers, double(images) / seconds);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
