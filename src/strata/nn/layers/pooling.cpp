#include "strata/nn/layers/pooling.h"

#include <algorithm>

#include "strata/nn/layer_config.h"
#include "strata/nn/registry.h"

namespace strata::nn {

namespace {
std::string rank_suffix(std::size_t rank) { return std::to_string(rank) + "D"; }

// The example shape (C, *spatial) as a batch of one.
Shape as_batch(const Shape& example, std::size_t rank, const std::string& type, const std::string& name) {
  STRATA_CHECK(example.size() == rank + 1, type, " '", name, "': expects input (C, ", rank,
               " spatial sizes) but got ", shape_str(example));
  Shape x{1};
  x.insert(x.end(), example.begin(), example.end());
  return x;
}
}  // namespace

// ---------------------------------------------------------------- Pooling
template <std::size_t Rank>
Pooling<Rank>::Pooling(kernels::PoolKind kind, Size pool_size, Size strides, std::string padding, std::string name)
    : Layer(std::move(name)), kind_(kind) {
  window_.kernel.assign(pool_size.begin(), pool_size.end());
  if (std::any_of(strides.begin(), strides.end(), [](std::int64_t s) { return s != 0; }))
    window_.stride.assign(strides.begin(), strides.end());
  STRATA_CHECK(padding == "valid" || padding == "same", type(), ": padding must be \"valid\" or \"same\", got \"",
               padding, "\"");
  window_.padding = std::move(padding);
  window_.check(type());
}

template <std::size_t Rank>
std::string Pooling<Rank>::type() const {
  return (kind_ == kernels::PoolKind::max ? "MaxPooling" : "AveragePooling") + rank_suffix(Rank);
}

template <std::size_t Rank>
Pooling<Rank>& Pooling<Rank>::explicit_padding(Padding pads) {
  window_.padding = "explicit";
  window_.pads.assign(pads.begin(), pads.end());
  window_.check(type());  // validates the padding against the pool size
  return *this;
}
template <std::size_t Rank>
Pooling<Rank>& Pooling<Rank>::ceil_mode(bool on) {
  window_.ceil_mode = on;
  return *this;
}
template <std::size_t Rank>
Pooling<Rank>& Pooling<Rank>::count_include_pad(bool on) {
  window_.count_include_pad = on;
  return *this;
}
template <std::size_t Rank>
Pooling<Rank>& Pooling<Rank>::dilation(Size d) {
  window_.dilation.assign(d.begin(), d.end());
  if (std::all_of(d.begin(), d.end(), [](std::int64_t v) { return v == 1; })) window_.dilation.clear();
  window_.check(type());
  return *this;
}

template <std::size_t Rank>
Shape Pooling<Rank>::compute_output_shape(const std::vector<Shape>& in) const {
  const auto g = window_.resolve(as_batch(in[0], Rank, type(), name()), kind_);
  Shape y{in[0][0]};
  y.insert(y.end(), g.out.begin(), g.out.end());
  return y;
}

template <std::size_t Rank>
Variable Pooling<Rank>::forward(const std::vector<Variable>& in, bool) {
  return ops::pool(in[0], window_.resolve(in[0].shape(), kind_));
}

template <std::size_t Rank>
void Pooling<Rank>::layer_config(nlohmann::json& c) const {
  Size strides{};
  const Shape& s = window_.stride.empty() ? window_.kernel : window_.stride;
  std::copy(s.begin(), s.end(), strides.begin());
  c["pool_size"] = window_.kernel;
  c["strides"] = strides;
  c["padding"] = window_.padding;
  if (window_.padding == "explicit") c["explicit_padding"] = window_.pads;
  if (!window_.dilation.empty()) c["dilation"] = window_.dilation;
  if (window_.ceil_mode) c["ceil_mode"] = true;
  if (window_.count_include_pad) c["count_include_pad"] = true;
}

template <std::size_t Rank>
LayerPtr Pooling<Rank>::from_config(kernels::PoolKind kind, const nlohmann::json& c) {
  const std::string padding = config::get<std::string>(c, "padding", default_padding);
  auto layer = std::make_shared<Pooling>(kind, config::require<Size>(c, "pool_size"),
                                         config::get(c, "strides", strides_of_pool_size),
                                         padding == "explicit" ? default_padding : padding, config::name(c));
  if (padding == "explicit") layer->explicit_padding(config::require<Padding>(c, "explicit_padding"));
  Size ones;
  ones.fill(1);
  layer->dilation(config::get(c, "dilation", ones));
  layer->ceil_mode(config::get(c, "ceil_mode", false)).count_include_pad(config::get(c, "count_include_pad", false));
  return layer;
}

// ---------------------------------------------------------------- GlobalPooling
template <std::size_t Rank>
GlobalPooling<Rank>::GlobalPooling(kernels::PoolKind kind, bool keepdims, std::string name)
    : Layer(std::move(name)), kind_(kind), keepdims_(keepdims) {}

template <std::size_t Rank>
std::string GlobalPooling<Rank>::type() const {
  return (kind_ == kernels::PoolKind::max ? "GlobalMaxPooling" : "GlobalAveragePooling") + rank_suffix(Rank);
}

template <std::size_t Rank>
LayerPtr GlobalPooling<Rank>::from_config(kernels::PoolKind kind, const nlohmann::json& c) {
  return std::make_shared<GlobalPooling>(kind, config::get(c, "keepdims", false), config::name(c));
}

template <std::size_t Rank>
Shape GlobalPooling<Rank>::compute_output_shape(const std::vector<Shape>& in) const {
  as_batch(in[0], Rank, type(), name());  // validates
  Shape y{in[0][0]};
  if (keepdims_) y.resize(Rank + 1, 1);
  return y;
}

template <std::size_t Rank>
Variable GlobalPooling<Rank>::forward(const std::vector<Variable>& in, bool) {
  return ops::global_pool(in[0], kind_, keepdims_);
}

template class Pooling<1>;
template class Pooling<2>;
template class Pooling<3>;
template class GlobalPooling<1>;
template class GlobalPooling<2>;
template class GlobalPooling<3>;

// ---------------------------------------------------------------- registration
namespace {
using kernels::PoolKind;

template <std::size_t Rank>
struct PoolingRegistrars {
  const std::string rank = rank_suffix(Rank);
  const LayerRegistrar max{"MaxPooling" + rank, [](const nlohmann::json& c) { return Pooling<Rank>::from_config(PoolKind::max, c); }};
  const LayerRegistrar avg{"AveragePooling" + rank,
                           [](const nlohmann::json& c) { return Pooling<Rank>::from_config(PoolKind::avg, c); }};
  const LayerRegistrar global_max{"GlobalMaxPooling" + rank, [](const nlohmann::json& c) {
                                    return GlobalPooling<Rank>::from_config(PoolKind::max, c);
                                  }};
  const LayerRegistrar global_avg{"GlobalAveragePooling" + rank, [](const nlohmann::json& c) {
                                    return GlobalPooling<Rank>::from_config(PoolKind::avg, c);
                                  }};
};
const PoolingRegistrars<1> pooling1d_registrars;
const PoolingRegistrars<2> pooling2d_registrars;
const PoolingRegistrars<3> pooling3d_registrars;
}  // namespace

}  // namespace strata::nn
