#include "strata/nn/layers/position_embedding.h"

#include <cmath>

#include "strata/nn/layer_config.h"
#include "strata/nn/recurrent_layers.h"
#include "strata/nn/registry.h"
#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::nn {
namespace {

void check_sequence(const std::string& layer, const Shape& in, std::size_t rank) {
  STRATA_CHECK(in.size() == rank, layer, ": expected ", rank == 1 ? "token ids (steps)" : "a sequence (steps, features)",
               " but got ", shape_str(in));
}

void check_length(const std::string& layer, std::int64_t steps, std::int64_t sequence_length) {
  STRATA_CHECK(steps <= sequence_length, layer, ": the sequence has ", steps, " steps but the layer holds ",
               sequence_length, " positions (sequence_length)");
}

// The first `steps` rows of a position table [L, D], as [1, steps, D] to broadcast over a batch.
Variable first_positions(const Variable& table, std::int64_t steps) {
  return ops::reshape(ops::slice(table, 0, 0, steps), {1, steps, table.size(1)});
}

// Zeros shaped as x that stay connected to it: the output does not depend on x's values, so
// its gradient is zero, but a graph whose input only feeds these layers still reaches it.
Variable connected_zeros(const Variable& x) { return ops::mul_scalar(x, 0.0); }

}  // namespace

// ---------------------------------------------------------------- PositionEmbedding
PositionEmbedding::PositionEmbedding(std::int64_t sequence_length, std::string initializer, std::string name)
    : Layer(std::move(name)), sequence_length_(sequence_length), initializer_(std::move(initializer)) {
  STRATA_CHECK(sequence_length_ >= 1, "PositionEmbedding: sequence_length must be positive, got ", sequence_length_);
}

Shape PositionEmbedding::compute_output_shape(const std::vector<Shape>& in) const {
  check_sequence("PositionEmbedding '" + name() + "'", in[0], 2);
  check_length("PositionEmbedding '" + name() + "'", in[0][0], sequence_length_);
  return in[0];
}

void PositionEmbedding::build(const std::vector<Shape>& in) {
  compute_output_shape(in);
  table_ = &add_weight("embeddings", {sequence_length_, in[0][1]}, initializer(initializer_));
}

Variable PositionEmbedding::forward(const std::vector<Variable>& in, bool) {
  check_length("PositionEmbedding '" + name() + "'", in[0].size(1), sequence_length_);
  return ops::add(connected_zeros(in[0]), first_positions(table_->variable, in[0].size(1)));
}

void PositionEmbedding::layer_config(nlohmann::json& c) const {
  c["sequence_length"] = sequence_length_;
  c["initializer"] = initializer_;
}

LayerPtr PositionEmbedding::from_config(const nlohmann::json& c) {
  return std::make_shared<PositionEmbedding>(config::require<std::int64_t>(c, "sequence_length"),
                                             config::get<std::string>(c, "initializer", default_initializer),
                                             config::name(c));
}

// ---------------------------------------------------------------- SinePositionEncoding
SinePositionEncoding::SinePositionEncoding(double max_wavelength, std::string name)
    : Layer(std::move(name)), max_wavelength_(max_wavelength) {
  STRATA_CHECK(std::isfinite(max_wavelength_) && max_wavelength_ > 1.0,
               "SinePositionEncoding: max_wavelength must be above 1, got ", max_wavelength_);
}

Shape SinePositionEncoding::compute_output_shape(const std::vector<Shape>& in) const {
  check_sequence("SinePositionEncoding '" + name() + "'", in[0], 2);
  return in[0];
}

Variable SinePositionEncoding::forward(const std::vector<Variable>& in, bool) {
  const std::int64_t T = in[0].size(1), D = in[0].size(2);
  Tensor table = Tensor::empty({1, T, D}, DType::f64);
  double* p = table.data<double>();
  for (std::int64_t t = 0; t < T; ++t)
    for (std::int64_t i = 0; i < D; ++i) {
      const double angle = static_cast<double>(t) / std::pow(max_wavelength_, static_cast<double>(2 * (i / 2)) / D);
      p[t * D + i] = i % 2 == 0 ? std::sin(angle) : std::cos(angle);
    }
  return ops::add(connected_zeros(in[0]), Variable(table.to(in[0].dtype())));
}

void SinePositionEncoding::layer_config(nlohmann::json& c) const { c["max_wavelength"] = max_wavelength_; }

LayerPtr SinePositionEncoding::from_config(const nlohmann::json& c) {
  return std::make_shared<SinePositionEncoding>(config::get(c, "max_wavelength", default_max_wavelength),
                                                config::name(c));
}

// ---------------------------------------------------------------- TokenAndPositionEmbedding
TokenAndPositionEmbedding::TokenAndPositionEmbedding(std::int64_t vocabulary_size, std::int64_t sequence_length,
                                                     std::int64_t embedding_dim, bool mask_zero,
                                                     std::string embeddings_initializer, std::string name)
    : Layer(std::move(name)),
      vocabulary_size_(vocabulary_size),
      sequence_length_(sequence_length),
      embedding_dim_(embedding_dim),
      mask_zero_(mask_zero),
      initializer_(std::move(embeddings_initializer)) {
  STRATA_CHECK(vocabulary_size_ >= 1 && sequence_length_ >= 1 && embedding_dim_ >= 1,
               "TokenAndPositionEmbedding: vocabulary_size, sequence_length and embedding_dim must be positive, got ",
               vocabulary_size_, ", ", sequence_length_, " and ", embedding_dim_);
}

Shape TokenAndPositionEmbedding::compute_output_shape(const std::vector<Shape>& in) const {
  check_sequence("TokenAndPositionEmbedding '" + name() + "'", in[0], 1);
  check_length("TokenAndPositionEmbedding '" + name() + "'", in[0][0], sequence_length_);
  return {in[0][0], embedding_dim_};
}

void TokenAndPositionEmbedding::build(const std::vector<Shape>& in) {
  compute_output_shape(in);
  tokens_ = &add_weight("token_embedding/embeddings", {vocabulary_size_, embedding_dim_}, initializer(initializer_));
  positions_ = &add_weight("position_embedding/embeddings", {sequence_length_, embedding_dim_}, initializer(initializer_));
}

Variable TokenAndPositionEmbedding::forward(const std::vector<Variable>& in, bool) {
  const Tensor& ids = in[0].value();
  check_length("TokenAndPositionEmbedding '" + name() + "'", ids.size(1), sequence_length_);
  Variable out = ops::add(ops::embedding(ids, tokens_->variable), first_positions(positions_->variable, ids.size(1)));
  if (mask_zero_) out.set_mask(nonzero_mask(ids));
  return out;
}

void TokenAndPositionEmbedding::layer_config(nlohmann::json& c) const {
  c["vocabulary_size"] = vocabulary_size_;
  c["sequence_length"] = sequence_length_;
  c["embedding_dim"] = embedding_dim_;
  c["mask_zero"] = mask_zero_;
  c["embeddings_initializer"] = initializer_;
}

LayerPtr TokenAndPositionEmbedding::from_config(const nlohmann::json& c) {
  return std::make_shared<TokenAndPositionEmbedding>(
      config::require<std::int64_t>(c, "vocabulary_size"), config::require<std::int64_t>(c, "sequence_length"),
      config::require<std::int64_t>(c, "embedding_dim"), config::get(c, "mask_zero", false),
      config::get<std::string>(c, "embeddings_initializer", default_initializer), config::name(c));
}

namespace {
const LayerRegistrar position_embedding_registrar("PositionEmbedding", PositionEmbedding::from_config);
const LayerRegistrar sine_position_encoding_registrar("SinePositionEncoding", SinePositionEncoding::from_config);
const LayerRegistrar token_and_position_embedding_registrar("TokenAndPositionEmbedding",
                                                            TokenAndPositionEmbedding::from_config);
}  // namespace

}  // namespace strata::nn
