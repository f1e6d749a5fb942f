#include "dataset.h"

#include <filesystem>
#include <numeric>

#include "strata/data/idx.h"

namespace strata::cli {

data::DatasetPtr load_split(const DataOptions& o, const std::string& split) {
  namespace fs = std::filesystem;
  data::DatasetPtr d;
  if (o.data == "fashion_mnist") {
    d = data::fashion_mnist(split);
  } else if (fs::is_directory(fs::path(o.data) / split)) {
    d = std::make_shared<data::ImageFolder>((fs::path(o.data) / split).string(), o.image_size, o.image_size, o.channels);
  } else {
    d = data::fashion_mnist(split, o.data);  // IDX files with the MNIST names
  }
  const long n = split == "train" ? o.limit : (o.limit > 0 ? std::max(1L, o.limit / 6) : 0);
  if (n <= 0 || n >= d->size()) return d;
  std::vector<std::int64_t> first(static_cast<std::size_t>(n));
  std::iota(first.begin(), first.end(), 0);
  return std::make_shared<data::Subset>(d, first);
}

}  // namespace strata::cli
