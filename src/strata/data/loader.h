// DataLoader: batches from a data set, in a seeded random order, with augmentation applied
// per example in training epochs only, assembled ahead of time on worker threads so decoding
// and augmentation overlap training.
//
// Determinism: the order of epoch e depends only on (seed, e), and example k of that epoch is
// augmented with a generator seeded from (seed, e, k), so batches are the same whatever the
// number of workers and however the threads are scheduled.
#pragma once

#include <condition_variable>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "strata/data/augment.h"
#include "strata/data/dataset.h"

namespace strata::data {

struct LoaderOptions {
  int batch_size = 32;
  bool shuffle = true;
  bool drop_last = false;
  int workers = 0;   // 0: batches are made on the calling thread
  int prefetch = 4;  // batches made ahead of the consumer, with workers
  std::uint64_t seed = 0;
  std::shared_ptr<const Augmentation> augmentation;  // null or empty: none
};

class DataLoader {
 public:
  DataLoader(DatasetPtr dataset, LoaderOptions options);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  long batches() const;
  const Dataset& dataset() const { return *dataset_; }
  const LoaderOptions& options() const { return options_; }
  void set_seed(std::uint64_t seed) { options_.seed = seed; }

  // Begins an epoch; `training` enables shuffling and augmentation (evaluation never augments).
  void start_epoch(int epoch, bool training);
  // The next batch of the epoch in order; false when the epoch is done. Rethrows a worker's error.
  bool next(Example& batch);

 private:
  Example make_batch(long index) const;
  void stop_workers();
  void worker_loop();

  DatasetPtr dataset_;
  LoaderOptions options_;
  std::vector<std::int64_t> order_;
  int epoch_ = 0;
  bool training_ = false;
  long next_to_consume_ = 0;

  // Worker state, guarded by mutex_.
  std::mutex mutex_;
  std::condition_variable produced_, consumed_;
  std::map<long, Example> ready_;
  long next_to_produce_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
  std::vector<std::thread> threads_;
};

}  // namespace strata::data
