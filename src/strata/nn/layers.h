// The layers a user builds networks from, as Keras names them:
//
//   auto inputs = nn::Input({1, 28, 28});
//   auto x = layers::Conv2D(32, 3, "relu")(inputs);
//   x = layers::MaxPooling2D(2)(x);
//   x = layers::Dense(10)(layers::Flatten()(x));
//   Model model(inputs, x);
//
// Each function returns a Handle (nn/handle.h): call it on a SymbolicTensor (functional API)
// or a Variable (eager), pass it to Sequential, or reach the layer through ->.
#pragma once

#include "strata/nn/conv_layers.h"
#include "strata/nn/core_layers.h"
#include "strata/nn/graph.h"
#include "strata/nn/handle.h"
#include "strata/nn/recurrent_layers.h"
#include "strata/nn/tensor_layers.h"
// Every header of nn/layers/ (one file per layer, with its layers:: function), gathered by
// src/CMakeLists.txt so that adding a layer there touches no list.
#include "strata/nn/layers/all.h"

namespace strata::layers {

inline Handle<nn::Dense> Dense(nn::DenseOptions o) { return make<nn::Dense>(std::move(o)); }
inline Handle<nn::Dense> Dense(std::int64_t units, const std::string& activation = "") {
  return Dense(nn::DenseOptions(units).activation(activation));
}
inline Handle<nn::Conv2D> Conv2D(nn::Conv2DOptions o) { return make<nn::Conv2D>(std::move(o)); }
inline Handle<nn::Conv2D> Conv2D(std::int64_t filters, std::int64_t kernel, const std::string& activation = "",
                                 const std::string& padding = nn::Conv2DOptions::default_padding) {
  return Conv2D(nn::Conv2DOptions(filters, kernel).activation(activation).padding(padding));
}
inline Handle<nn::Conv2D> DepthwiseConv2D(nn::Conv2DOptions o) {
  return make<nn::Conv2D>(std::move(o), nn::Conv2D::Kind::depthwise);
}
inline Handle<nn::Conv2D> DepthwiseConv2D(std::int64_t kernel, const std::string& padding = nn::Conv2DOptions::default_padding) {
  return DepthwiseConv2D(nn::Conv2DOptions(0, kernel).padding(padding));
}
inline Handle<nn::Conv2D> SeparableConv2D(nn::Conv2DOptions o) {
  return make<nn::Conv2D>(std::move(o), nn::Conv2D::Kind::separable);
}
inline Handle<nn::Conv2D> SeparableConv2D(std::int64_t filters, std::int64_t kernel, const std::string& padding = nn::Conv2DOptions::default_padding) {
  return SeparableConv2D(nn::Conv2DOptions(filters, kernel).padding(padding));
}
inline Handle<nn::BatchNormalization> BatchNormalization(nn::BatchNormalizationOptions o = {}) {
  return make<nn::BatchNormalization>(std::move(o));
}
inline Handle<nn::Flatten> Flatten() { return make<nn::Flatten>(); }
inline Handle<nn::Reshape> Reshape(Shape target) { return make<nn::Reshape>(std::move(target)); }
inline Handle<nn::Dropout> Dropout(double rate) { return make<nn::Dropout>(rate); }
inline Handle<nn::Activation> Activation(const std::string& name) { return make<nn::Activation>(name); }
inline Handle<nn::ReLU> ReLU(double max_value = nn::ReLU::no_max_value, double negative_slope = 0.0) {
  return make<nn::ReLU>(max_value, negative_slope);
}
inline Handle<nn::LeakyReLU> LeakyReLU(double negative_slope = nn::LeakyReLU::default_negative_slope) { return make<nn::LeakyReLU>(negative_slope); }
inline Handle<nn::ELU> ELU(double alpha = nn::ELU::default_alpha) { return make<nn::ELU>(alpha); }
inline Handle<nn::PReLU> PReLU(std::vector<std::int64_t> shared_axes = {}) { return make<nn::PReLU>(std::move(shared_axes)); }
inline Handle<nn::Softmax> Softmax(std::int64_t axis = nn::Softmax::default_axis) { return make<nn::Softmax>(axis); }
inline Handle<nn::Add> Add() { return make<nn::Add>(); }
inline Handle<nn::Multiply> Multiply() { return make<nn::Multiply>(); }
inline Handle<nn::Concatenate> Concatenate(std::int64_t axis = nn::Concatenate::default_axis) { return make<nn::Concatenate>(axis); }

// ---------------------------------------------------------------- sequences
inline Handle<nn::Embedding> Embedding(std::int64_t input_dim, std::int64_t output_dim, bool mask_zero = false) {
  return make<nn::Embedding>(input_dim, output_dim, mask_zero);
}
inline Handle<nn::Masking> Masking(double mask_value = 0.0) { return make<nn::Masking>(mask_value); }
inline Handle<nn::Recurrent> SimpleRNN(nn::RecurrentOptions o) { return make<nn::Recurrent>(ops::RnnCell::simple, std::move(o)); }
inline Handle<nn::Recurrent> LSTM(nn::RecurrentOptions o) { return make<nn::Recurrent>(ops::RnnCell::lstm, std::move(o)); }
inline Handle<nn::Recurrent> GRU(nn::RecurrentOptions o) { return make<nn::Recurrent>(ops::RnnCell::gru, std::move(o)); }
inline Handle<nn::Recurrent> SimpleRNN(std::int64_t units, bool return_sequences = false) {
  return SimpleRNN(nn::RecurrentOptions(units).return_sequences(return_sequences));
}
inline Handle<nn::Recurrent> LSTM(std::int64_t units, bool return_sequences = false) {
  return LSTM(nn::RecurrentOptions(units).return_sequences(return_sequences));
}
inline Handle<nn::Recurrent> GRU(std::int64_t units, bool return_sequences = false) {
  return GRU(nn::RecurrentOptions(units).return_sequences(return_sequences));
}
inline Handle<nn::Bidirectional> Bidirectional(const Handle<nn::Recurrent>& layer, const std::string& merge_mode = nn::Bidirectional::default_merge_mode) {
  return make<nn::Bidirectional>(layer.ptr(), merge_mode);
}
inline Handle<nn::TimeDistributed> TimeDistributed(nn::LayerPtr layer) { return make<nn::TimeDistributed>(std::move(layer)); }

}  // namespace strata::layers
