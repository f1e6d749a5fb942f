// Position information for sequences of features [T, D] (KerasHub's layers):
//   PositionEmbedding(sequence_length): a learned [sequence_length, D] table; the output is its
//     first T rows, broadcast over the batch (add it to the token embeddings);
//   SinePositionEncoding(max_wavelength): the fixed sinusoids of "Attention is all you need",
//     sin at even features, cos at odd ones, positions / max_wavelength^(2i/D); no weights;
//   TokenAndPositionEmbedding(vocabulary_size, sequence_length, embedding_dim): token ids [T]
//     -> Embedding + PositionEmbedding, [T, embedding_dim], with Embedding's mask_zero.
#pragma once

#include "strata/nn/handle.h"
#include "strata/nn/layer.h"

namespace strata::nn {

class PositionEmbedding final : public Layer {
 public:
  static constexpr const char* default_initializer = "glorot_uniform";
  explicit PositionEmbedding(std::int64_t sequence_length, std::string initializer = default_initializer,
                             std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "PositionEmbedding"; }
  std::int64_t sequence_length() const { return sequence_length_; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  bool accepts(const std::vector<Shape>& b, const std::vector<Shape>& g) const override { return same_except_time(b, g); }
  bool propagates_mask() const override { return true; }

 protected:
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  std::int64_t sequence_length_;
  std::string initializer_;
  Weight* table_ = nullptr;
};

class SinePositionEncoding final : public Layer {
 public:
  static constexpr double default_max_wavelength = 10000.0;
  explicit SinePositionEncoding(double max_wavelength = default_max_wavelength, std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "SinePositionEncoding"; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  bool accepts(const std::vector<Shape>& b, const std::vector<Shape>& g) const override { return same_except_time(b, g); }
  bool propagates_mask() const override { return true; }

 protected:
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  double max_wavelength_;
};

class TokenAndPositionEmbedding final : public Layer {
 public:
  static constexpr const char* default_initializer = "uniform";
  TokenAndPositionEmbedding(std::int64_t vocabulary_size, std::int64_t sequence_length, std::int64_t embedding_dim,
                            bool mask_zero = false, std::string embeddings_initializer = default_initializer,
                            std::string name = "");
  static LayerPtr from_config(const nlohmann::json& c);
  std::string type() const override { return "TokenAndPositionEmbedding"; }
  std::int64_t vocabulary_size() const { return vocabulary_size_; }
  std::int64_t sequence_length() const { return sequence_length_; }
  Shape compute_output_shape(const std::vector<Shape>& in) const override;
  bool accepts(const std::vector<Shape>& b, const std::vector<Shape>& g) const override { return same_except_time(b, g); }

 protected:
  void build(const std::vector<Shape>& in) override;
  Variable forward(const std::vector<Variable>& in, bool training) override;
  void layer_config(nlohmann::json& c) const override;

 private:
  std::int64_t vocabulary_size_, sequence_length_, embedding_dim_;
  bool mask_zero_;
  std::string initializer_;
  Weight *tokens_ = nullptr, *positions_ = nullptr;
};

}  // namespace strata::nn

namespace strata::layers {
inline Handle<nn::PositionEmbedding> PositionEmbedding(std::int64_t sequence_length,
                                                       std::string initializer = nn::PositionEmbedding::default_initializer) {
  return make<nn::PositionEmbedding>(sequence_length, std::move(initializer));
}
inline Handle<nn::SinePositionEncoding> SinePositionEncoding(
    double max_wavelength = nn::SinePositionEncoding::default_max_wavelength) {
  return make<nn::SinePositionEncoding>(max_wavelength);
}
inline Handle<nn::TokenAndPositionEmbedding> TokenAndPositionEmbedding(std::int64_t vocabulary_size,
                                                                       std::int64_t sequence_length,
                                                                       std::int64_t embedding_dim, bool mask_zero = false) {
  return make<nn::TokenAndPositionEmbedding>(vocabulary_size, sequence_length, embedding_dim, mask_zero);
}
}  // namespace strata::layers
