// oneDNN matmul. Operands whose last two axes are row- or column-major are passed with their
// strides, so a.t() costs no copy.
#include "strata/kernels/backend.h"
#include "strata/kernels/cpu/onednn_context.h"

namespace strata::kernels::cpu {
namespace {

bool is_matrix_layout(const Tensor& t) {
  const auto r = t.dim();
  const auto rows = t.strides()[r - 2], cols = t.strides()[r - 1];
  return (cols == 1 && rows >= t.size(-1)) || (rows == 1 && cols >= t.size(-2));
}

}  // namespace

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  checks::check_matmul(a_in, b_in);
  STRATA_CHECK(a_in.dtype() == DType::f32, "matmul (onednn): expected f32 but got ", dtype_name(a_in.dtype()));
  const Tensor a = is_matrix_layout(a_in) ? a_in : a_in.contiguous();
  const Tensor b = is_matrix_layout(b_in) ? b_in : b_in.contiguous();
  Shape c_shape = a.shape();
  c_shape.back() = b.size(-1);
  if (a.size(-1) == 0) return Tensor::zeros(c_shape);  // empty inner dimension: all zeros
  Tensor c = Tensor::empty(c_shape, DType::f32);
  const auto a_md = strided_desc(a), b_md = strided_desc(b), c_md = plain_desc(c_shape);
  const std::string key = strata::detail::concat("matmul", shape_str(a.shape()), shape_str(a.strides()), shape_str(b.shape()),
                                         shape_str(b.strides()));
  auto& e = cached_primitive<dnnl::matmul>(
      key, [&] { return dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, c_md), engine()); });
  execute(e.prim, {{DNNL_ARG_SRC, wrap(a, a_md)}, {DNNL_ARG_WEIGHTS, wrap(b, b_md)}, {DNNL_ARG_DST, wrap(c, c_md)}});
  return c;
}

}  // namespace strata::kernels::cpu
