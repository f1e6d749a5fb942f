#include "dataset.h"

namespace strata::cli {

data::LabelledImages load_split(const DataOptions& o, const std::string& split) {
  const std::string dir = o.data == "fashion_mnist" ? data::kFashionMnistDir : o.data;
  data::LabelledImages d = data::load_fashion_mnist(split, dir);
  const long n = split == "train" ? o.limit : (o.limit > 0 ? std::max(1L, o.limit / 6) : 0);
  if (n > 0 && n < d.images.size(0)) {
    d.images = d.images.slice(0, 0, n).contiguous();
    d.labels = d.labels.slice(0, 0, n).contiguous();
  }
  return d;
}

}  // namespace strata::cli
