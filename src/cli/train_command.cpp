#include "train_command.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <numeric>

#include "progress.h"
#include "small_cnn.h"
#include "strata/data/idx.h"
#include "strata/metrics/classification.h"
#include "strata/optim/optimizer.h"
#include "strata/tensor/math.h"

namespace strata::cli {
namespace {

// Gathers the rows `order[begin..end)` of a [N,...] tensor into a new contiguous batch.
Tensor gather_rows(const Tensor& t, const std::vector<std::int64_t>& order, std::size_t begin, std::size_t end) {
  Shape shape = t.shape();
  shape[0] = static_cast<std::int64_t>(end - begin);
  Tensor out = Tensor::empty(shape, t.dtype());
  for (std::size_t i = begin; i < end; ++i) out.select(0, static_cast<std::int64_t>(i - begin)).copy_(t.select(0, order[i]));
  return out;
}

data::LabelledImages first_rows(data::LabelledImages d, long n) {
  if (n <= 0 || n >= d.images.size(0)) return d;
  d.images = d.images.slice(0, 0, n).contiguous();
  d.labels = d.labels.slice(0, 0, n).contiguous();
  return d;
}

std::int64_t count_correct(const Tensor& logits, const Tensor& labels) {
  const auto p = argmax(logits, 1).to_vector<std::int64_t>(), t = labels.to_vector<std::int64_t>();
  std::int64_t n = 0;
  for (std::size_t i = 0; i < p.size(); ++i) n += p[i] == t[i];
  return n;
}

}  // namespace

int run_train(const TrainOptions& o) {
  STRATA_CHECK(o.epochs >= 1, "train: --epochs must be >= 1, got ", o.epochs);
  STRATA_CHECK(o.batch_size >= 1, "train: --batch-size must be >= 1, got ", o.batch_size);
  STRATA_CHECK(o.optimizer == "adam" || o.optimizer == "sgd", "train: --optimizer must be adam or sgd, got \"",
               o.optimizer, "\"");
  Generator gen(o.seed);
  std::printf("Loading Fashion-MNIST from %s\n", o.data_dir.c_str());
  const auto train = first_rows(data::load_fashion_mnist("train", o.data_dir), o.limit);
  const auto test = first_rows(data::load_fashion_mnist("test", o.data_dir), o.limit > 0 ? std::max(1L, o.limit / 6) : 0);
  const std::int64_t classes = static_cast<std::int64_t>(train.class_names.size());
  std::printf("train %s, test %s, %lld classes\n", shape_str(train.images.shape()).c_str(),
              shape_str(test.images.shape()).c_str(), static_cast<long long>(classes));

  SmallCnn model(train.images.size(1), train.images.size(2), classes, gen);
  std::printf("model: Conv32-Pool-Conv64-Pool-Dense128-Dropout-Dense10, %lld parameters, optimizer %s, lr %g\n",
              static_cast<long long>(model.parameter_count()), o.optimizer.c_str(), o.learning_rate);
  std::unique_ptr<optim::Optimizer> optimizer;
  if (o.optimizer == "adam")
    optimizer = std::make_unique<optim::Adam>(model.parameters(), o.learning_rate);
  else
    optimizer = std::make_unique<optim::SGD>(model.parameters(), o.learning_rate, 0.9);

  const std::size_t n = static_cast<std::size_t>(train.images.size(0));
  const long batches = static_cast<long>((n + o.batch_size - 1) / o.batch_size);
  std::vector<std::int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), gen.engine());
    ProgressBar bar("epoch " + std::to_string(epoch) + "/" + std::to_string(o.epochs), batches);
    double loss_sum = 0;
    std::int64_t correct = 0, seen = 0;
    for (long b = 0; b < batches; ++b) {
      const std::size_t begin = b * o.batch_size, end = std::min(n, begin + o.batch_size);
      const Tensor x = gather_rows(train.images, order, begin, end), y = gather_rows(train.labels, order, begin, end);
      optimizer->zero_grad();
      Variable logits = model.forward(Variable(x), true, gen);
      Variable loss = ops::softmax_cross_entropy(logits, y);
      const double value = loss.value().item();
      if (!std::isfinite(value)) {
        std::fprintf(stderr, "\nerror: the loss became %g at epoch %d, batch %ld; lower --lr (now %g)\n", value, epoch,
                     b + 1, o.learning_rate);
        return 3;
      }
      loss.backward();
      optimizer->step();
      loss_sum += value * double(end - begin);
      correct += count_correct(logits.value(), y);
      seen += static_cast<std::int64_t>(end - begin);
      char metrics[96];
      std::snprintf(metrics, sizeof metrics, "loss %.4f acc %.4f", loss_sum / seen, double(correct) / seen);
      bar.update(b + 1, metrics);
    }
  }

  std::printf("\nEvaluating on the test split (%lld images)\n", static_cast<long long>(test.images.size(0)));
  NoGradGuard no_grad;
  std::vector<std::int64_t> predictions;
  double test_loss = 0;
  for (std::int64_t begin = 0; begin < test.images.size(0); begin += 500) {
    const std::int64_t end = std::min(test.images.size(0), begin + 500);
    Variable logits = model.forward(Variable(test.images.slice(0, begin, end)), false, gen);
    const Tensor labels = test.labels.slice(0, begin, end).contiguous();
    test_loss += ops::softmax_cross_entropy(logits, labels).value().item() * double(end - begin);
    for (auto p : argmax(logits.value(), 1).to_vector<std::int64_t>()) predictions.push_back(p);
  }
  const Tensor predicted = Tensor::from_vector(predictions, {static_cast<std::int64_t>(predictions.size())});
  const auto report = metrics::classification_report(test.labels, predicted, classes);
  std::printf("test loss %.4f, test accuracy %.4f\n\n%s", test_loss / double(test.images.size(0)), report.accuracy,
              report.to_string(train.class_names).c_str());
  return 0;
}

}  // namespace strata::cli
