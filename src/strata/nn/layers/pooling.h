// Pooling layers of every spatial rank (Keras 3 names): MaxPooling1D/2D/3D and
// AveragePooling1D/2D/3D over inputs (C, L), (C, H, W) and (C, D, H, W) (channels first, as the
// rest of Strata), and GlobalMaxPooling1D/2D/3D, GlobalAveragePooling1D/2D/3D over every
// spatial axis. Strides default to the pool size. Beyond Keras' options (for imported ONNX and
// PyTorch models): explicit padding, ceil mode, dilation, and whether average pooling counts
// padded positions.
#pragma once

#include <array>

#include "strata/nn/core_layers.h"
#include "strata/nn/handle.h"

namespace strata::nn {

template <std::size_t Rank>
class Pooling final : public Layer {
 public:
  using Size = std::array<std::int64_t, Rank>;
  using Padding = std::array<std::array<std::int64_t, 2>, Rank>;  // (begin, end) per spatial axis
  static constexpr Size strides_of_pool_size{};  // the default (all 0): strides = pool_size
  static constexpr const char* default_padding = "valid";
  Pooling(kernels::PoolKind kind, Size pool_size, Size strides = strides_of_pool_size,
          std::string padding = default_padding, std::string name = "");
  static LayerPtr from_config(kernels::PoolKind kind, const nlohmann::json& c);
  // Sets padding "explicit".
  Pooling& explicit_padding(Padding pads);
  Pooling& ceil_mode(bool on);
  Pooling& count_include_pad(bool on);
  // Reads every dilation-th input position (ONNX's MaxPool dilations, PyTorch's MaxPool dilation).
  Pooling& dilation(Size d);
  std::string type() const override;
  kernels::PoolKind kind() const { return kind_; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  // The window in the ops' terms (for exporters): pool size, strides, dilation, padding.
  const ops::PoolWindow& window() const { return window_; }

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  kernels::PoolKind kind_;
  ops::PoolWindow window_;
};

template <std::size_t Rank>
class GlobalPooling final : public Layer {
 public:
  GlobalPooling(kernels::PoolKind kind, bool keepdims = false, std::string name = "");
  static LayerPtr from_config(kernels::PoolKind kind, const nlohmann::json& c);
  std::string type() const override;
  kernels::PoolKind kind() const { return kind_; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;

 protected:
  Variable forward(const std::vector<Variable>& in, bool) override;
  void layer_config(nlohmann::json& c) const override { c["keepdims"] = keepdims_; }

 private:
  kernels::PoolKind kind_;
  bool keepdims_;
};

using Pooling1D = Pooling<1>;
using Pooling2D = Pooling<2>;
using Pooling3D = Pooling<3>;
using GlobalPooling1D = GlobalPooling<1>;
using GlobalPooling2D = GlobalPooling<2>;
using GlobalPooling3D = GlobalPooling<3>;
extern template class Pooling<1>;
extern template class Pooling<2>;
extern template class Pooling<3>;
extern template class GlobalPooling<1>;
extern template class GlobalPooling<2>;
extern template class GlobalPooling<3>;

}  // namespace strata::nn

namespace strata::layers {
inline Handle<nn::Pooling1D> MaxPooling1D(std::int64_t pool = 2, std::int64_t stride = 0,
                                          const std::string& padding = nn::Pooling1D::default_padding) {
  return make<nn::Pooling1D>(kernels::PoolKind::max, nn::Pooling1D::Size{pool}, nn::Pooling1D::Size{stride}, padding);
}
inline Handle<nn::Pooling1D> AveragePooling1D(std::int64_t pool = 2, std::int64_t stride = 0,
                                              const std::string& padding = nn::Pooling1D::default_padding) {
  return make<nn::Pooling1D>(kernels::PoolKind::avg, nn::Pooling1D::Size{pool}, nn::Pooling1D::Size{stride}, padding);
}
inline Handle<nn::Pooling2D> MaxPooling2D(std::int64_t pool = 2, std::int64_t stride = 0,
                                          const std::string& padding = nn::Pooling2D::default_padding) {
  return make<nn::Pooling2D>(kernels::PoolKind::max, nn::Pooling2D::Size{pool, pool}, nn::Pooling2D::Size{stride, stride},
                             padding);
}
inline Handle<nn::Pooling2D> AveragePooling2D(std::int64_t pool = 2, std::int64_t stride = 0,
                                              const std::string& padding = nn::Pooling2D::default_padding) {
  return make<nn::Pooling2D>(kernels::PoolKind::avg, nn::Pooling2D::Size{pool, pool}, nn::Pooling2D::Size{stride, stride},
                             padding);
}
inline Handle<nn::Pooling3D> MaxPooling3D(std::int64_t pool = 2, std::int64_t stride = 0,
                                          const std::string& padding = nn::Pooling3D::default_padding) {
  return make<nn::Pooling3D>(kernels::PoolKind::max, nn::Pooling3D::Size{pool, pool, pool},
                             nn::Pooling3D::Size{stride, stride, stride}, padding);
}
inline Handle<nn::Pooling3D> AveragePooling3D(std::int64_t pool = 2, std::int64_t stride = 0,
                                              const std::string& padding = nn::Pooling3D::default_padding) {
  return make<nn::Pooling3D>(kernels::PoolKind::avg, nn::Pooling3D::Size{pool, pool, pool},
                             nn::Pooling3D::Size{stride, stride, stride}, padding);
}
inline Handle<nn::GlobalPooling1D> GlobalAveragePooling1D(bool keepdims = false) {
  return make<nn::GlobalPooling1D>(kernels::PoolKind::avg, keepdims);
}
inline Handle<nn::GlobalPooling1D> GlobalMaxPooling1D(bool keepdims = false) {
  return make<nn::GlobalPooling1D>(kernels::PoolKind::max, keepdims);
}
inline Handle<nn::GlobalPooling2D> GlobalAveragePooling2D(bool keepdims = false) {
  return make<nn::GlobalPooling2D>(kernels::PoolKind::avg, keepdims);
}
inline Handle<nn::GlobalPooling2D> GlobalMaxPooling2D(bool keepdims = false) {
  return make<nn::GlobalPooling2D>(kernels::PoolKind::max, keepdims);
}
inline Handle<nn::GlobalPooling3D> GlobalAveragePooling3D(bool keepdims = false) {
  return make<nn::GlobalPooling3D>(kernels::PoolKind::avg, keepdims);
}
inline Handle<nn::GlobalPooling3D> GlobalMaxPooling3D(bool keepdims = false) {
  return make<nn::GlobalPooling3D>(kernels::PoolKind::max, keepdims);
}
}  // namespace strata::layers
