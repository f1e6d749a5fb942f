#include "strata/data/loader.h"

#include <algorithm>
#include <numeric>

namespace strata::data {
namespace {
// SplitMix64: decorrelates the (seed, epoch, example) triple into a generator seed.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

DataLoader::DataLoader(DatasetPtr dataset, LoaderOptions options) : dataset_(std::move(dataset)), options_(std::move(options)) {
  STRATA_CHECK(dataset_ && dataset_->size() > 0, "DataLoader: the data set is empty");
  STRATA_CHECK(options_.batch_size >= 1, "DataLoader: batch_size must be >= 1, got ", options_.batch_size);
  STRATA_CHECK(options_.workers >= 0 && options_.prefetch >= 1, "DataLoader: workers must be >= 0 and prefetch >= 1");
  STRATA_CHECK(!options_.drop_last || dataset_->size() >= options_.batch_size, "DataLoader: drop_last with ",
               dataset_->size(), " examples and batch size ", options_.batch_size, " leaves no batch");
}

DataLoader::~DataLoader() { stop_workers(); }

long DataLoader::batches() const {
  const auto n = dataset_->size(), b = static_cast<std::int64_t>(options_.batch_size);
  return static_cast<long>(options_.drop_last ? n / b : (n + b - 1) / b);
}

void DataLoader::start_epoch(int epoch, bool training) {
  stop_workers();
  epoch_ = epoch;
  training_ = training;
  order_.resize(static_cast<std::size_t>(dataset_->size()));
  std::iota(order_.begin(), order_.end(), 0);
  if (training && options_.shuffle) {
    Generator gen(mix(options_.seed ^ mix(static_cast<std::uint64_t>(epoch))));
    std::shuffle(order_.begin(), order_.end(), gen.engine());
  }
  next_to_consume_ = 0;
  next_to_produce_ = 0;
  ready_.clear();
  error_ = nullptr;
  stopping_ = false;
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { worker_loop(); });
}

Example DataLoader::make_batch(long index) const {
  const std::size_t begin = static_cast<std::size_t>(index) * options_.batch_size;
  const std::size_t end = std::min(order_.size(), begin + options_.batch_size);
  const std::vector<std::int64_t> rows(order_.begin() + begin, order_.begin() + end);
  Example batch = dataset_->get_batch(rows);
  if (training_ && options_.augmentation && !options_.augmentation->empty() && options_.augmentation->active_in(epoch_)) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      Generator gen(mix(options_.seed ^ mix(static_cast<std::uint64_t>(epoch_) * 0x100000000ULL + begin + i)));
      Tensor slot = batch.input.select(0, static_cast<std::int64_t>(i));
      slot.copy_(options_.augmentation->apply(slot.clone(), gen));
    }
  }
  return batch;
}

void DataLoader::worker_loop() {
  const long total = batches();
  while (true) {
    long index;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      consumed_.wait(lock, [&] { return stopping_ || next_to_produce_ < next_to_consume_ + options_.prefetch; });
      if (stopping_ || next_to_produce_ >= total) return;
      index = next_to_produce_++;
    }
    try {
      Example batch = make_batch(index);
      std::lock_guard<std::mutex> lock(mutex_);
      ready_[index] = std::move(batch);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    produced_.notify_all();
  }
}

bool DataLoader::next(Example& batch) {
  if (next_to_consume_ >= batches()) return false;
  if (options_.workers == 0) {
    batch = make_batch(next_to_consume_++);
    return true;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  produced_.wait(lock, [&] { return error_ || ready_.count(next_to_consume_); });
  if (error_) std::rethrow_exception(error_);
  batch = std::move(ready_[next_to_consume_]);
  ready_.erase(next_to_consume_++);
  lock.unlock();
  consumed_.notify_all();
  return true;
}

void DataLoader::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  consumed_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace strata::data
