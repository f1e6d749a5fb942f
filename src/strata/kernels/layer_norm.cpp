// Layer normalization over rows (the trailing axes), forward and backward, f32 and f64: one
// readable row loop that both backends run (statistics accumulated in double, rows in
// parallel). A oneDNN layer_normalization path for f32 belongs to the CPU backend's redesign.
#include <cmath>

#include "strata/kernels/kernels.h"

namespace strata::kernels {
namespace {

void check_layer_norm(const Tensor& x, std::int64_t row_size, const Tensor& gamma, const Tensor& beta) {
  STRATA_CHECK(row_size >= 1 && x.numel() % row_size == 0, "layer_norm: rows of ", row_size,
               " elements do not tile an input of shape ", shape_str(x.shape()));
  for (const Tensor* t : {&gamma, &beta})
    STRATA_CHECK(!t->defined() || t->numel() == row_size, "layer_norm: rows have ", row_size,
                 " elements but a scale or shift has shape ", shape_str(t->shape()));
}

// Enough work to wake the threads for.
bool worth_threads(std::int64_t rows, std::int64_t row_size) { return rows > 1 && rows * row_size >= 16384; }

}  // namespace

LayerNormForward layer_norm_forward(const Tensor& x_in, std::int64_t row_size, const Tensor& gamma_in,
                                    const Tensor& beta_in, double eps) {
  check_layer_norm(x_in, row_size, gamma_in, beta_in);
  const Tensor x = x_in.contiguous();
  const std::int64_t rows = x.numel() / row_size;
  LayerNormForward f{Tensor::empty(x.shape(), x.dtype()), Tensor::empty({rows}, x.dtype()),
                     Tensor::empty({rows}, x.dtype())};
  dispatch_floating(x.dtype(), "layer_norm", [&]<class T>() {
    const Tensor gamma = gamma_in.defined() ? gamma_in.to(x.dtype()).contiguous() : Tensor();
    const Tensor beta = beta_in.defined() ? beta_in.to(x.dtype()).contiguous() : Tensor();
    const T* px = x.data<T>();
    const T* pg = gamma.defined() ? gamma.data<T>() : nullptr;
    const T* pb = beta.defined() ? beta.data<T>() : nullptr;
    T *py = f.output.data<T>(), *pm = f.mean.data<T>(), *pr = f.rstd.data<T>();
#pragma omp parallel for schedule(static) if (worth_threads(rows, row_size))
    for (std::int64_t r = 0; r < rows; ++r) {
      const T* row = px + r * row_size;
      double sum = 0, squares = 0;  // two passes: no cancellation for rows with a large mean
      for (std::int64_t i = 0; i < row_size; ++i) sum += row[i];
      const double mean = sum / double(row_size);
      for (std::int64_t i = 0; i < row_size; ++i) squares += (row[i] - mean) * (row[i] - mean);
      const double rstd = 1.0 / std::sqrt(squares / double(row_size) + eps);
      T* out = py + r * row_size;
      for (std::int64_t i = 0; i < row_size; ++i) {
        T v = static_cast<T>((row[i] - mean) * rstd);
        if (pg) v *= pg[i];
        if (pb) v += pb[i];
        out[i] = v;
      }
      pm[r] = static_cast<T>(mean);
      pr[r] = static_cast<T>(rstd);
    }
  });
  return f;
}

// With xhat = (x - mean) * rstd and g = grad_y * gamma (per row, n elements):
//   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),
//   d_gamma = sum over rows of grad_y * xhat, d_beta = sum over rows of grad_y.
LayerNormGrads layer_norm_backward(const Tensor& gy_in, const Tensor& x_in, std::int64_t row_size, const Tensor& gamma_in,
                                   const Tensor& beta_in, const LayerNormForward& f) {
  check_layer_norm(x_in, row_size, gamma_in, beta_in);
  const Tensor x = x_in.contiguous(), gy = gy_in.contiguous().to(x.dtype());
  const std::int64_t rows = x.numel() / row_size;
  LayerNormGrads g{Tensor::empty(x.shape(), x.dtype()), Tensor(), Tensor()};
  dispatch_floating(x.dtype(), "layer_norm backward", [&]<class T>() {
    const Tensor gamma = gamma_in.defined() ? gamma_in.to(x.dtype()).contiguous() : Tensor();
    const Tensor mean = f.mean.contiguous(), rstd = f.rstd.contiguous();
    const T *px = x.data<T>(), *pgy = gy.data<T>(), *pm = mean.data<T>(), *pr = rstd.data<T>();
    const T* pg = gamma.defined() ? gamma.data<T>() : nullptr;
    T* pgx = g.grad_x.data<T>();
#pragma omp parallel for schedule(static) if (worth_threads(rows, row_size))
    for (std::int64_t r = 0; r < rows; ++r) {
      const T *row = px + r * row_size, *grow = pgy + r * row_size;
      const double mu = pm[r], rs = pr[r];
      double sum_g = 0, sum_g_xhat = 0;
      for (std::int64_t i = 0; i < row_size; ++i) {
        const double gi = pg ? double(grow[i]) * pg[i] : double(grow[i]);
        sum_g += gi;
        sum_g_xhat += gi * (row[i] - mu) * rs;
      }
      const double mean_g = sum_g / double(row_size), mean_g_xhat = sum_g_xhat / double(row_size);
      T* out = pgx + r * row_size;
      for (std::int64_t i = 0; i < row_size; ++i) {
        const double gi = pg ? double(grow[i]) * pg[i] : double(grow[i]);
        out[i] = static_cast<T>(rs * (gi - mean_g - (row[i] - mu) * rs * mean_g_xhat));
      }
    }
    // The parameter gradients reduce over rows: serial over rows, accumulated in double.
    if (gamma_in.defined() || beta_in.defined()) {
      std::vector<double> dg(row_size, 0.0), db(row_size, 0.0);
      for (std::int64_t r = 0; r < rows; ++r) {
        const T *row = px + r * row_size, *grow = pgy + r * row_size;
        const double mu = pm[r], rs = pr[r];
        for (std::int64_t i = 0; i < row_size; ++i) {
          dg[i] += grow[i] * (row[i] - mu) * rs;
          db[i] += grow[i];
        }
      }
      auto to_tensor = [&](const std::vector<double>& v, const Tensor& like) {
        Tensor t = Tensor::empty({row_size}, x.dtype());
        for (std::int64_t i = 0; i < row_size; ++i) t.data<T>()[i] = static_cast<T>(v[i]);
        return t.reshape(like.shape()).to(like.dtype());
      };
      if (gamma_in.defined()) g.grad_gamma = to_tensor(dg, gamma_in);
      if (beta_in.defined()) g.grad_beta = to_tensor(db, beta_in);
    }
  });
  return g;
}

}  // namespace strata::kernels
