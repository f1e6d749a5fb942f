#include "strata/kernels/cpu/onednn_context.h"

namespace strata::kernels::cpu {

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  static dnnl::stream s(engine());
  return s;
}

dnnl::memory::dims dims_of(const Shape& shape) { return dnnl::memory::dims(shape.begin(), shape.end()); }

dnnl::memory::desc strided_desc(const Tensor& t) {
  STRATA_CHECK(t.dtype() == DType::f32, "onednn: expected f32 but got ", dtype_name(t.dtype()));
  return dnnl::memory::desc(dims_of(t.shape()), dnnl::memory::data_type::f32, dims_of(t.strides()));
}

dnnl::memory::desc plain_desc(const Shape& shape) {
  return dnnl::memory::desc(dims_of(shape), dnnl::memory::data_type::f32, dims_of(contiguous_strides(shape)));
}

dnnl::memory wrap(const Tensor& t, const dnnl::memory::desc& desc) {
  return dnnl::memory(desc, engine(), const_cast<void*>(t.raw_data()));
}

dnnl::memory wrap(const Tensor& t) { return wrap(t, strided_desc(t)); }

OwnedMemory allocate(const dnnl::memory::desc& desc) {
  const auto floats = static_cast<std::int64_t>((desc.get_size() + sizeof(float) - 1) / sizeof(float));
  Tensor buffer = Tensor::empty({floats}, DType::f32);
  dnnl::memory memory(desc, engine(), buffer.raw_data());
  return {std::move(buffer), std::move(memory)};
}

OwnedMemory reorder_to(const dnnl::memory& user, const dnnl::memory::desc& wanted) {
  if (user.get_desc() == wanted) return {Tensor(), user};
  OwnedMemory out = allocate(wanted);
  reorder_into(user, out.memory);
  return out;
}

void reorder_into(const dnnl::memory& src, const dnnl::memory& dst) {
  dnnl::reorder(src, dst).execute(stream(), const_cast<dnnl::memory&>(src), const_cast<dnnl::memory&>(dst));
  stream().wait();
}

void execute(const dnnl::primitive& p, const std::unordered_map<int, dnnl::memory>& args) {
  p.execute(stream(), args);
  stream().wait();
}

}  // namespace strata::kernels::cpu
