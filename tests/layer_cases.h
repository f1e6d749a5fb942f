// The layer cases of the contract (tests/test_layers_contract.cpp), shared with the program that
// saves one model per case (tests/tools/write_layer_models.cpp), whose files from an older
// Strata must still load (tests/test_legacy_models.cpp). Adding a layer adds one row here.
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "strata/models/model.h"
#include "strata/nn/layers.h"
#include "strata/tensor/math.h"

namespace strata::testing {

struct LayerCase {
  std::string label;
  std::function<nn::LayerPtr()> make;
  std::vector<Shape> input_shapes;  // without the batch axis
  Shape expected_output;
  std::int64_t trainable_weights, non_trainable_weights;
  bool check_training_path = true;  // false: gradients through inference (dropout's training path is random)
  bool integer_inputs = false;      // token indices in [0, 4), not differentiated (Embedding)
};

inline std::vector<LayerCase> layer_cases() {
  using namespace strata::layers;
  return {
      {"Dense", [] { return Dense(nn::DenseOptions(4).activation("tanh").kernel_regularizer(nn::Regularizer::L2(0.01))); },
       {{6}}, {4}, 2, 0},
      {"Conv2D", [] { return Conv2D(nn::Conv2DOptions(3, 3).stride(2).padding("same").activation("relu")); },
       {{2, 7, 6}}, {3, 4, 3}, 2, 0},
      {"Conv2DDilatedGrouped", [] { return Conv2D(nn::Conv2DOptions(4, 3).dilation_rate({2, 2}).groups(2)); },
       {{2, 7, 7}}, {4, 3, 3}, 2, 0},
      {"DepthwiseConv2D", [] { return DepthwiseConv2D(nn::Conv2DOptions(0, 3).depth_multiplier(2).padding("same")); },
       {{3, 5, 5}}, {6, 5, 5}, 2, 0},
      {"SeparableConv2D", [] { return SeparableConv2D(nn::Conv2DOptions(4, 3).use_bias(false)); }, {{3, 6, 6}}, {4, 4, 4}, 2, 0},
      {"MaxPooling2D", [] { return MaxPooling2D(2); }, {{2, 5, 6}}, {2, 2, 3}, 0, 0},
      {"MaxPooling2DSame", [] { return MaxPooling2D(3, 2, "same"); }, {{2, 5, 6}}, {2, 3, 3}, 0, 0},
      {"AveragePooling2D", [] { return AveragePooling2D(2, 1); }, {{2, 4, 4}}, {2, 3, 3}, 0, 0},
      {"GlobalAveragePooling2D", [] { return GlobalAveragePooling2D(); }, {{3, 4, 5}}, {3}, 0, 0},
      {"GlobalMaxPooling2D", [] { return GlobalMaxPooling2D(true); }, {{3, 4, 5}}, {3, 1, 1}, 0, 0},
      {"Flatten", [] { return Flatten(); }, {{2, 3, 4}}, {24}, 0, 0},
      {"Reshape", [] { return Reshape({4, -1}); }, {{2, 3, 4}}, {4, 6}, 0, 0},
      {"ZeroPadding2D", [] { return layers::make<nn::ZeroPadding2D>(std::array<nn::Size2, 2>{nn::Size2{1, 2}, nn::Size2{0, 1}}); },
       {{2, 3, 3}}, {2, 6, 4}, 0, 0},
      {"Dropout", [] { return Dropout(0.3); }, {{5}}, {5}, 0, 0, /*check_training_path=*/false},
      {"Embedding", [] { return Embedding(6, 3); }, {{5}}, {5, 3}, 1, 0, true, /*integer_inputs=*/true},
      {"BatchNormalization", [] { return BatchNormalization(); }, {{3, 4, 4}}, {3, 4, 4}, 2, 2},
      {"BatchNormalizationDense", [] { return BatchNormalization(nn::BatchNormalizationOptions().momentum(0.9)); },
       {{5}}, {5}, 2, 2},
      {"Activation", [] { return Activation("gelu"); }, {{7}}, {7}, 0, 0},
      {"ReLU", [] { return ReLU(6.0); }, {{7}}, {7}, 0, 0},
      {"ReLUCapped", [] { return ReLU(1.5, 0.1); }, {{7}}, {7}, 0, 0},
      {"LeakyReLU", [] { return LeakyReLU(0.2); }, {{7}}, {7}, 0, 0},
      {"PReLU", [] { return PReLU({2, 3}); }, {{3, 2, 2}}, {3, 2, 2}, 1, 0},
      {"ELU", [] { return ELU(0.7); }, {{7}}, {7}, 0, 0},
      {"Softmax", [] { return Softmax(); }, {{7}}, {7}, 0, 0},
      {"Add", [] { return Add(); }, {{4}, {4}, {4}}, {4}, 0, 0},
      {"Multiply", [] { return Multiply(); }, {{2, 3}, {2, 3}}, {2, 3}, 0, 0},
      {"Concatenate", [] { return Concatenate(1); }, {{2, 3}, {4, 3}}, {6, 3}, 0, 0},
      {"SimpleRNN", [] { return SimpleRNN(4); }, {{5, 3}}, {4}, 3, 0},
      {"LSTMSequences", [] { return LSTM(nn::RecurrentOptions(3).return_sequences(true)); }, {{4, 2}}, {4, 3}, 3, 0},
      {"GRU", [] { return GRU(3); }, {{4, 2}}, {3}, 3, 0},
      {"GRUResetBeforeBackwards", [] { return GRU(nn::RecurrentOptions(3).reset_after(false).go_backwards(true)); },
       {{4, 2}}, {3}, 3, 0},
      {"BidirectionalLSTM", [] { return Bidirectional(LSTM(3, true)); }, {{4, 2}}, {4, 6}, 6, 0},
      {"BidirectionalGRUSum", [] { return Bidirectional(GRU(3), "sum"); }, {{4, 2}}, {3}, 6, 0},
      {"TimeDistributedDense", [] { return TimeDistributed(Dense(3, "tanh")); }, {{4, 5}}, {4, 3}, 2, 0},
      {"Masking", [] { return Masking(0.5); }, {{4, 2}}, {4, 2}, 0, 0},
      {"Identity", [] { return Identity(); }, {{3, 4}}, {3, 4}, 0, 0},
      {"ActivityRegularization", [] { return ActivityRegularization(0.01, 0.02); }, {{5}}, {5}, 0, 0},
      {"LayerNormalization", [] { return LayerNormalization(); }, {{4, 6}}, {4, 6}, 2, 0},
      {"LayerNormalizationChannels", [] {  // axis 1 of [C, H, W]: moved to the end and back
         return LayerNormalization(nn::LayerNormalizationOptions().axis({1}).epsilon(1e-5));
       }, {{3, 2, 4}}, {3, 2, 4}, 2, 0},
      {"LayerNormalizationNoShift", [] { return LayerNormalization(nn::LayerNormalizationOptions().axis({-2, -1}).center(false)); },
       {{3, 4}}, {3, 4}, 1, 0},
      {"GroupNormalization", [] { return GroupNormalization(2); }, {{4, 3, 3}}, {4, 3, 3}, 2, 0},
      {"GroupNormalizationFeatures", [] { return GroupNormalization(nn::GroupNormalizationOptions().groups(3).scale(false)); },
       {{6}}, {6}, 1, 0},
      {"UnitNormalization", [] { return UnitNormalization(); }, {{5}}, {5}, 0, 0},
      {"UnitNormalizationImage", [] { return UnitNormalization({2, 3}); }, {{2, 3, 3}}, {2, 3, 3}, 0, 0},
      {"Conv2DTransposeSame", [] { return Conv2DTranspose(3, 3, 2, "same", "relu"); }, {{2, 4, 5}}, {3, 8, 10}, 2, 0},
      {"Conv2DTransposeValid", [] { return Conv2DTranspose(4, 3, 2); }, {{2, 3, 3}}, {4, 7, 7}, 2, 0},
      {"Conv2DTransposeOutputPadding", [] {
         return Conv2DTranspose(nn::Conv2DTransposeOptions(2, 3).stride(2).padding("same").output_padding(nn::Size2{1, 1}));
       }, {{2, 3, 3}}, {2, 6, 6}, 2, 0},
      {"Conv2DTransposeExplicitDilated", [] {
         return Conv2DTranspose(nn::Conv2DTransposeOptions(2, 3).padding("explicit").explicit_padding({nn::Size2{1, 0}, nn::Size2{0, 1}})
                                    .dilation_rate({2, 1}).use_bias(false));
       }, {{3, 4, 4}}, {2, 7, 5}, 1, 0},
      // Every spatial rank (nn/layers/convolution.h, convolution_transpose.h, pooling.h).
      {"Conv1D", [] { return Conv1D(nn::Conv1DOptions(3, 3).stride(2).padding("same").activation("relu")); },
       {{2, 9}}, {3, 5}, 2, 0},
      {"Conv1DCausalDilated", [] { return Conv1D(nn::Conv1DOptions(4, 2).padding("causal").dilation_rate({2}).groups(2)); },
       {{2, 7}}, {4, 7}, 2, 0},
      {"DepthwiseConv1D", [] { return DepthwiseConv1D(nn::Conv1DOptions(0, 3).depth_multiplier(2)); }, {{3, 6}}, {6, 4}, 2, 0},
      {"SeparableConv1D", [] { return SeparableConv1D(nn::Conv1DOptions(4, 3).padding("same").use_bias(false)); },
       {{3, 6}}, {4, 6}, 2, 0},
      {"Conv3D", [] { return Conv3D(nn::Conv3DOptions(2, nn::Conv3DOptions::Size{2, 3, 2}).strides({1, 2, 1})); },
       {{2, 3, 5, 4}}, {2, 2, 2, 3}, 2, 0},
      {"Conv3DSame", [] { return Conv3D(3, 3, "tanh", "same"); }, {{1, 3, 4, 3}}, {3, 3, 4, 3}, 2, 0},
      {"Conv1DTranspose", [] { return Conv1DTranspose(3, 3, 2, "same", "relu"); }, {{2, 5}}, {3, 10}, 2, 0},
      {"Conv3DTranspose", [] { return Conv3DTranspose(2, 2, 2); }, {{2, 2, 3, 2}}, {2, 4, 6, 4}, 2, 0},
      {"MaxPooling1D", [] { return MaxPooling1D(2); }, {{2, 7}}, {2, 3}, 0, 0},
      {"AveragePooling1DSame", [] { return AveragePooling1D(3, 2, "same"); }, {{2, 7}}, {2, 4}, 0, 0},
      {"MaxPooling3D", [] { return MaxPooling3D(2); }, {{2, 4, 5, 4}}, {2, 2, 2, 2}, 0, 0},
      {"AveragePooling3D", [] { return AveragePooling3D(2, 1); }, {{1, 3, 3, 4}}, {1, 2, 2, 3}, 0, 0},
      {"MaxPooling2DDilated", [] {
         auto pool = MaxPooling2D(2, 1);
         pool->dilation({2, 2});
         return pool;
       }, {{2, 5, 6}}, {2, 3, 4}, 0, 0},
      {"GlobalMaxPooling1D", [] { return GlobalMaxPooling1D(); }, {{3, 5}}, {3}, 0, 0},
      {"GlobalAveragePooling1D", [] { return GlobalAveragePooling1D(true); }, {{3, 5}}, {3, 1}, 0, 0},
      {"GlobalMaxPooling3D", [] { return GlobalMaxPooling3D(true); }, {{2, 2, 3, 2}}, {2, 1, 1, 1}, 0, 0},
      {"GlobalAveragePooling3D", [] { return GlobalAveragePooling3D(); }, {{2, 2, 3, 2}}, {2}, 0, 0},
      {"ZeroPadding1D", [] { return ZeroPadding1D(1); }, {{2, 5}}, {2, 7}, 0, 0},
      {"ZeroPadding3D", [] { return ZeroPadding<3>({{{1, 0}, {0, 2}, {1, 1}}}); }, {{1, 2, 3, 2}}, {1, 3, 5, 4}, 0, 0},
      {"Cropping1D", [] { return Cropping1D(1); }, {{2, 6}}, {2, 4}, 0, 0},
      {"Cropping2D", [] { return Cropping<2>({{{1, 0}, {0, 2}}}); }, {{2, 5, 6}}, {2, 4, 4}, 0, 0},
      {"Cropping3D", [] { return Cropping3D(1); }, {{1, 4, 4, 5}}, {1, 2, 2, 3}, 0, 0},
      {"UpSampling1D", [] { return UpSampling1D(2); }, {{2, 3}}, {2, 6}, 0, 0},
      {"UpSampling2D", [] { return UpSampling2D(3); }, {{1, 2, 2}}, {1, 6, 6}, 0, 0},
      {"UpSampling2DBilinear", [] { return UpSampling2D(2, "bilinear"); }, {{2, 3, 4}}, {2, 6, 8}, 0, 0},
      {"UpSampling3D", [] { return UpSampling3D(2); }, {{1, 2, 2, 3}}, {1, 4, 4, 6}, 0, 0},
      {"SpatialDropout1D", [] { return SpatialDropout1D(0.3); }, {{3, 5}}, {3, 5}, 0, 0, false},
      {"SpatialDropout2D", [] { return SpatialDropout2D(0.5); }, {{3, 4, 4}}, {3, 4, 4}, 0, 0, false},
      {"SpatialDropout3D", [] { return SpatialDropout3D(0.2); }, {{2, 2, 3, 2}}, {2, 2, 3, 2}, 0, 0, false},
      // Attention (nn/layers/multi_head_attention.h, position_embedding.h).
      {"MultiHeadAttentionSelf", [] { return MultiHeadAttention(2, 3); }, {{4, 6}, {4, 6}}, {4, 6}, 8, 0},
      {"MultiHeadAttentionCrossWithKey", [] {
         return MultiHeadAttention(nn::MultiHeadAttentionOptions(2, 3).value_dim(2).output_shape(5));
       }, {{3, 6}, {5, 4}, {5, 2}}, {3, 5}, 8, 0},
      {"MultiHeadAttentionCausalNoBias", [] {
         return MultiHeadAttention(nn::MultiHeadAttentionOptions(3, 2).use_causal_mask(true).use_bias(false));
       }, {{5, 4}, {5, 4}}, {5, 4}, 4, 0},
      {"MultiHeadAttentionDropout", [] { return MultiHeadAttention(nn::MultiHeadAttentionOptions(2, 3).dropout(0.3)); },
       {{4, 6}, {4, 6}}, {4, 6}, 8, 0, false},
      {"MultiHeadAttentionWithScores", [] {
         return MultiHeadAttention(nn::MultiHeadAttentionOptions(2, 2).return_attention_scores(true));
       }, {{4, 3}, {5, 3}}, {4, 3}, 8, 0},
      {"PositionEmbedding", [] { return PositionEmbedding(6); }, {{4, 3}}, {4, 3}, 1, 0},
      {"SinePositionEncoding", [] { return SinePositionEncoding(); }, {{5, 4}}, {5, 4}, 0, 0},
      {"TokenAndPositionEmbedding", [] { return TokenAndPositionEmbedding(6, 8, 3, true); }, {{5}}, {5, 3}, 2, 0, true, true},
      // Tensor layers (nn/tensor_layers.h), what imported ONNX graphs are made of.
      {"Permute", [] { return layers::make<nn::Permute>(std::vector<std::int64_t>{3, 1, 2}); }, {{2, 3, 4}}, {4, 2, 3}, 0, 0},
      {"ArithmeticBroadcast", [] { return layers::make<nn::Arithmetic>("multiply"); }, {{2, 3, 4}, {4}}, {2, 3, 4}, 0, 0},
      {"ArithmeticSubtract", [] { return layers::make<nn::Arithmetic>("subtract"); }, {{3, 1}, {1, 4}}, {3, 4}, 0, 0},
      {"ConstantArithmetic", [] { return layers::make<nn::ConstantArithmetic>("multiply", Shape{3, 1, 1}); }, {{3, 2, 2}}, {3, 2, 2}, 0, 1},
      {"ConstantFirst", [] { return layers::make<nn::ConstantArithmetic>("subtract", Shape{4}, true); }, {{2, 4}}, {2, 4}, 0, 1},
      {"Clip", [] { return layers::make<nn::Clip>(-0.5, 0.7); }, {{7}}, {7}, 0, 0},
      {"HardSigmoid", [] { return layers::make<nn::ParametricActivation>("hard_sigmoid", 0.3, 0.4); }, {{7}}, {7}, 0, 0},
      {"HardSwish", [] { return layers::make<nn::ParametricActivation>("hard_swish", 0.0, 0.0); }, {{7}}, {7}, 0, 0},
      {"Selu", [] { return layers::make<nn::ParametricActivation>("selu", 1.5, 2.0); }, {{7}}, {7}, 0, 0},
      {"MatMul", [] { return layers::make<nn::MatMul>(); }, {{2, 3, 4}, {4, 5}}, {2, 3, 5}, 0, 0},
      {"PadReflect", [] { return layers::make<nn::Pad>(std::vector<std::array<std::int64_t, 2>>{{1, 0}, {2, 1}}, "reflect"); },
       {{3, 4}}, {4, 7}, 0, 0},
      {"PadEdge", [] { return layers::make<nn::Pad>(std::vector<std::array<std::int64_t, 2>>{{0, 2}, {1, 1}}, "edge"); }, {{3, 4}}, {5, 6}, 0, 0},
      {"PadConstant", [] { return layers::make<nn::Pad>(std::vector<std::array<std::int64_t, 2>>{{1, 1}}, "constant", 2.5); }, {{3}}, {5}, 0, 0},
      {"ReduceMean", [] { return layers::make<nn::Reduce>("mean", std::vector<std::int64_t>{2, 3}, true); }, {{3, 4, 5}}, {3, 1, 1}, 0, 0},
      {"ReduceSum", [] { return layers::make<nn::Reduce>("sum", std::vector<std::int64_t>{1}, false); }, {{3, 4}}, {4}, 0, 0},
      {"Slice", [] {
         return layers::make<nn::Slice>(std::vector<std::int64_t>{1, 2}, std::vector<std::int64_t>{1, -1},
                                        std::vector<std::int64_t>{3, -5}, std::vector<std::int64_t>{1, -2});
       }, {{4, 6}}, {2, 2}, 0, 0},
      {"Gather", [] { return layers::make<nn::Gather>(2, std::vector<std::int64_t>{2, 0, -1, 2}, Shape{2, 2}); }, {{3, 4}}, {3, 2, 2}, 0, 0},
      {"ResizeLinear", [] { return layers::make<nn::Resize>(nn::ResizeOptions().scales({1.0, 2.0, 1.5}).mode("linear")); },
       {{2, 3, 4}}, {2, 6, 6}, 0, 0},
      {"ResizeNearest", [] {
         return layers::make<nn::Resize>(nn::ResizeOptions().sizes({2, 2, 5}).coordinate_transformation_mode("asymmetric").nearest_mode("floor"));
       }, {{2, 4, 3}}, {2, 2, 5}, 0, 0},
  };
}

inline Shape with_batch(std::int64_t n, const Shape& s) {
  Shape out{n};
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

// Token indices 0..3 (as floats, what Embedding reads).
inline Tensor token_indices(const Shape& shape, DType dtype = DType::f32, Generator* gen = nullptr) {
  std::vector<double> v = Tensor::uniform(shape, 0, 4, DType::f64, gen).to_vector<double>();
  for (double& x : v) x = std::floor(x);
  return Tensor::from_vector(v, shape).to(dtype);
}

// A batch of inputs for the case: normal values, or token indices.
inline std::vector<Variable> inputs_for(const LayerCase& c, std::int64_t batch) {
  std::vector<Variable> inputs;
  for (const auto& s : c.input_shapes)
    inputs.emplace_back(c.integer_inputs ? token_indices(with_batch(batch, s)) : Tensor::normal(with_batch(batch, s), 0, 1));
  return inputs;
}

// The case's layer inside a model: its inputs -> the layer -> Flatten -> Dense(2).
inline std::shared_ptr<models::Model> model_for(const LayerCase& c) {
  std::vector<nn::SymbolicTensor> inputs;
  for (const auto& s : c.input_shapes) inputs.push_back(nn::Input(s));
  auto layer = c.make();
  auto h = inputs.size() == 1 ? (*layer)(inputs[0]) : (*layer)(inputs);
  auto out = layers::Dense(2)(layers::Flatten()(h));
  return std::make_shared<models::Model>(inputs, out);
}

}  // namespace strata::testing
