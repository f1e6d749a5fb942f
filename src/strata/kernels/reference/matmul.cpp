// Reference matmul: the textbook triple loop over strided operands, accumulated in double.
#include "strata/kernels/backend.h"

namespace strata::kernels::reference {

Tensor matmul(const Tensor& a, const Tensor& b) {
  checks::check_matmul(a, b);
  const bool batched = a.dim() == 3;
  const Tensor a3 = batched ? a : a.unsqueeze(0);
  const Tensor b3 = batched ? b : b.unsqueeze(0);
  const std::int64_t B = a3.size(0), M = a3.size(1), K = a3.size(2), N = b3.size(2);
  Tensor c = Tensor::empty({B, M, N}, a.dtype());
  dispatch_floating(a.dtype(), "matmul", [&]<class T>() {
    const T* pa = a3.data<T>();
    const T* pb = b3.data<T>();
    T* pc = c.data<T>();
    const auto& sa = a3.strides();
    const auto& sb = b3.strides();
#pragma omp parallel for collapse(2)
    for (std::int64_t bi = 0; bi < B; ++bi)
      for (std::int64_t m = 0; m < M; ++m)
        for (std::int64_t n = 0; n < N; ++n) {
          double acc = 0;
          for (std::int64_t k = 0; k < K; ++k)
            acc += double(pa[bi * sa[0] + m * sa[1] + k * sa[2]]) * double(pb[bi * sb[0] + k * sb[1] + n * sb[2]]);
          pc[(bi * M + m) * N + n] = static_cast<T>(acc);
        }
  });
  return batched ? c : c.squeeze(0);
}

}  // namespace strata::kernels::reference
