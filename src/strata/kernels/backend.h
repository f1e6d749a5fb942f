// Internal: the signatures each backend implements (namespaces reference and cpu).
// Included by the dispatcher and by the tests that compare the two backends.
#pragma once

#include "strata/kernels/kernels.h"

#define STRATA_KERNEL_DECLARATIONS                                                                               \
  Tensor matmul(const Tensor& a, const Tensor& b);                                                             \
  Tensor conv_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvNdGeometry& g);          \
  Tensor conv2d_inference(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dGeometry& g,      \
                          const ConvEpilogue& epilogue);                                                       \
  Tensor conv_backward_data(const Tensor& grad_y, const Tensor& w, const Shape& x_shape,                      \
                            const ConvNdGeometry& g);                                                          \
  std::pair<Tensor, Tensor> conv_backward_weights(const Tensor& x, const Tensor& grad_y, const Shape& w_shape,   \
                                                  const ConvNdGeometry& g, bool with_bias);                    \
  ConvGrads conv_backward(const Tensor& grad_y, const Tensor& x, const Tensor& w, const ConvNdGeometry& g,       \
                          bool want_x, bool want_w, bool want_bias);                                           \
  PoolForward pool_forward(const Tensor& x, const PoolNdGeometry& g);                                          \
  Tensor pool_backward(const Tensor& grad_y, const Tensor& x, const PoolForward& forward,                      \
                       const PoolNdGeometry& g);                                                               \
  BatchNormForward batch_norm_training(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps);   \
  Tensor batch_norm_inference(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& mean,    \
                              const Tensor& var, double eps);                                                  \
  BatchNormGrads batch_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& gamma,               \
                                     const Tensor& mean, const Tensor& var, double eps, bool batch_stats);     \
  Tensor activation_forward(ActivationKind a, const Tensor& x, double alpha);                                     \
  Tensor activation_backward(ActivationKind a, const Tensor& grad_y, const Tensor& x, double alpha);              \
  Tensor softmax_forward(const Tensor& x, std::int64_t axis, bool log);                                        \
  Tensor softmax_backward(const Tensor& grad_y, const Tensor& y, std::int64_t axis, bool log);

namespace strata::kernels::reference {
STRATA_KERNEL_DECLARATIONS
}  // namespace strata::kernels::reference

namespace strata::kernels::cpu {
STRATA_KERNEL_DECLARATIONS
}  // namespace strata::kernels::cpu

namespace strata::kernels::checks {
// Shared validation, so both backends reject bad input with the same message.
void check_matmul(const Tensor& a, const Tensor& b);
void check_batch_norm(const Tensor& x, const Tensor& gamma, const char* op);
}  // namespace strata::kernels::checks
