#include "strata/nn/initializers.h"

#include <cmath>

namespace strata::nn {

Fans fans_of(const Shape& shape) {
  if (shape.size() == 2) return {double(shape[0]), double(shape[1])};
  if (shape.size() == 4) {
    const double field = double(shape[2] * shape[3]);
    return {double(shape[1]) * field, double(shape[0]) * field};
  }
  const double n = shape.empty() ? 1.0 : double(shape_numel(shape));
  return {n, n};
}

namespace {

// Variance scaling (Keras): scale / fan, drawn from a uniform or a truncated normal.
enum class FanMode { in, avg };
class VarianceScaling final : public Initializer {
 public:
  VarianceScaling(std::string name, double scale, FanMode mode, bool uniform)
      : name_(std::move(name)), scale_(scale), mode_(mode), uniform_(uniform) {}
  Tensor make(const Shape& shape, Generator& gen) const override {
    const Fans f = fans_of(shape);
    const double fan = mode_ == FanMode::in ? f.in : (f.in + f.out) / 2.0;
    const double variance = scale_ / std::max(1.0, fan);
    if (uniform_) {
      const double limit = std::sqrt(3.0 * variance);
      return Tensor::uniform(shape, -limit, limit, DType::f32, &gen);
    }
    // Truncated normal at two standard deviations; 0.8796 is the std of a unit normal so truncated.
    const double stddev = std::sqrt(variance) / 0.87962566103423978;
    Tensor t = Tensor::empty(shape);
    float* p = t.data<float>();
    for (std::int64_t i = 0; i < t.numel(); ++i) {
      double v;
      do v = gen.normal(0.0, 1.0);
      while (std::fabs(v) > 2.0);
      p[i] = static_cast<float>(v * stddev);
    }
    return t;
  }
  nlohmann::json config() const override { return {{"class_name", name_}, {"config", nlohmann::json::object()}}; }

 private:
  std::string name_;
  double scale_;
  FanMode mode_;
  bool uniform_;
};

class Constant final : public Initializer {
 public:
  explicit Constant(double v) : value_(v) {}
  Tensor make(const Shape& shape, Generator&) const override { return Tensor::full(shape, value_); }
  nlohmann::json config() const override { return {{"class_name", "constant"}, {"config", {{"value", value_}}}}; }

 private:
  double value_;
};

class RandomNormal final : public Initializer {
 public:
  RandomNormal(double mean, double stddev) : mean_(mean), stddev_(stddev) {}
  Tensor make(const Shape& shape, Generator& gen) const override {
    return Tensor::normal(shape, mean_, stddev_, DType::f32, &gen);
  }
  nlohmann::json config() const override {
    return {{"class_name", "random_normal"}, {"config", {{"mean", mean_}, {"stddev", stddev_}}}};
  }

 private:
  double mean_, stddev_;
};

class RandomUniform final : public Initializer {
 public:
  RandomUniform(double low, double high) : low_(low), high_(high) {}
  Tensor make(const Shape& shape, Generator& gen) const override {
    return Tensor::uniform(shape, low_, high_, DType::f32, &gen);
  }
  nlohmann::json config() const override {
    return {{"class_name", "random_uniform"}, {"config", {{"minval", low_}, {"maxval", high_}}}};
  }

 private:
  double low_, high_;
};

// Keras' Orthogonal: a 2-D weight [rows, cols] with orthonormal rows or columns (whichever are
// fewer), from Gram-Schmidt on a normal matrix; the recurrent kernels' default.
class Orthogonal final : public Initializer {
 public:
  explicit Orthogonal(double gain) : gain_(gain) {}
  Tensor make(const Shape& shape, Generator& gen) const override {
    STRATA_CHECK(shape.size() >= 2, "orthogonal initializer: needs a weight of rank >= 2, got ", shape_str(shape));
    const std::int64_t cols = shape.back(), rows = shape_numel(shape) / cols;
    const bool transpose = rows < cols;  // orthonormalize the longer side's vectors
    const std::int64_t n = transpose ? rows : cols, len = transpose ? cols : rows;
    std::vector<std::vector<double>> v(static_cast<std::size_t>(n), std::vector<double>(static_cast<std::size_t>(len)));
    for (std::int64_t i = 0; i < n; ++i) {
      for (;;) {
        for (auto& e : v[i]) e = gen.normal();
        for (std::int64_t k = 0; k < i; ++k) {  // modified Gram-Schmidt
          double d = 0;
          for (std::int64_t j = 0; j < len; ++j) d += v[i][j] * v[k][j];
          for (std::int64_t j = 0; j < len; ++j) v[i][j] -= d * v[k][j];
        }
        double norm = 0;
        for (double e : v[i]) norm += e * e;
        norm = std::sqrt(norm);
        if (norm < 1e-6) continue;  // a degenerate draw: redraw
        for (auto& e : v[i]) e /= norm;
        break;
      }
    }
    Tensor out = Tensor::empty(shape);
    float* p = out.data<float>();
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t c = 0; c < cols; ++c)
        p[r * cols + c] = static_cast<float>(gain_ * (transpose ? v[r][c] : v[c][r]));
    return out;
  }
  nlohmann::json config() const override { return {{"class_name", "orthogonal"}, {"config", {{"gain", gain_}}}}; }

 private:
  double gain_;
};

}  // namespace

InitializerPtr constant_initializer(double value) { return std::make_shared<Constant>(value); }
InitializerPtr random_normal_initializer(double mean, double stddev) { return std::make_shared<RandomNormal>(mean, stddev); }
InitializerPtr random_uniform_initializer(double low, double high) { return std::make_shared<RandomUniform>(low, high); }

InitializerPtr initializer(const std::string& name) {
  if (name == "glorot_uniform") return std::make_shared<VarianceScaling>(name, 1.0, FanMode::avg, true);
  if (name == "glorot_normal") return std::make_shared<VarianceScaling>(name, 1.0, FanMode::avg, false);
  if (name == "he_uniform") return std::make_shared<VarianceScaling>(name, 2.0, FanMode::in, true);
  if (name == "he_normal") return std::make_shared<VarianceScaling>(name, 2.0, FanMode::in, false);
  if (name == "lecun_uniform") return std::make_shared<VarianceScaling>(name, 1.0, FanMode::in, true);
  if (name == "lecun_normal") return std::make_shared<VarianceScaling>(name, 1.0, FanMode::in, false);
  if (name == "zeros") return constant_initializer(0.0);
  if (name == "ones") return constant_initializer(1.0);
  if (name == "orthogonal") return std::make_shared<Orthogonal>(1.0);
  if (name == "uniform") return random_uniform_initializer(-0.05, 0.05);  // Keras' Embedding default
  // By name, Keras' defaults (the message below lists these three, and config files may name them).
  if (name == "random_uniform") return random_uniform_initializer(-0.05, 0.05);
  if (name == "random_normal") return random_normal_initializer(0.0, 0.05);
  if (name == "constant") return constant_initializer(0.0);
  throw Error(detail::concat("initializer: unknown name \"", name,
                             "\"; expected glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, "
                             "lecun_normal, zeros, ones, orthogonal, uniform, constant, random_normal or random_uniform"));
}

InitializerPtr initializer_from_config(const nlohmann::json& config) {
  if (config.is_string()) return initializer(config.get<std::string>());
  const std::string name = config.at("class_name");
  const auto& c = config.contains("config") ? config["config"] : nlohmann::json::object();
  if (name == "constant") return constant_initializer(c.value("value", 0.0));
  if (name == "random_normal") return random_normal_initializer(c.value("mean", 0.0), c.value("stddev", 0.05));
  if (name == "random_uniform") return random_uniform_initializer(c.value("minval", -0.05), c.value("maxval", 0.05));
  if (name == "orthogonal") return std::make_shared<Orthogonal>(c.value("gain", 1.0));
  return initializer(name);
}

}  // namespace strata::nn
