// The ONNX exporter's core, shared by the op families (onnx_export.h is the public API): it walks
// the model and, through a table from layer type to family, lets each family write the nodes of
// its layers, reading parameters from the layer's config() and weights by name. Each family's
// export sits in the same file as its import handlers (interop/onnx/<family>.cpp).
#pragma once

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/interop/onnx_export.h"
#include "strata/interop/onnx_tensor.h"
#include "strata/nn/layers.h"

namespace strata::interop::onnx_exporter {

using Json = nlohmann::json;

struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Exporter {
 public:
  explicit Exporter(onnx::GraphProto& graph) : g_(graph) {}

  // Emits `layer` reading tensors `inputs` (per-example shapes `shapes`); returns its output name.
  std::string layer(const nn::LayerPtr& layer, const std::vector<std::string>& inputs, const std::vector<Shape>& shapes);
  std::string model(models::Model& model, const std::vector<std::string>& inputs);
  // Every output's name of a model's graph (model() is the one output of a nested model).
  std::vector<std::string> model_outputs(models::Model& model, const std::vector<std::string>& inputs);
  std::vector<std::string> problems;
  // The opset the exported nodes need: 13, or more when a node exists only from a later one
  // (LayerNormalization: 17).
  std::int64_t opset() const { return opset_; }

 private:
  void require_opset(std::int64_t version) { opset_ = std::max(opset_, version); }
  std::int64_t opset_ = 13;
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs, const std::string& output);
  std::string constant(const std::string& name, const Tensor& t);
  std::string ints_constant(const std::string& name, const std::vector<std::int64_t>& values);
  std::string unique(const std::string& base);
  std::string activation(const std::string& name, const std::string& input, const std::string& output, double alpha = 0.0);
  static void attr(onnx::NodeProto& n, const std::string& name, std::int64_t v);
  static void attr(onnx::NodeProto& n, const std::string& name, double v);
  static void attr(onnx::NodeProto& n, const std::string& name, const std::string& v);
  static void attr(onnx::NodeProto& n, const std::string& name, const std::vector<std::int64_t>& v);
  // One layer call, as the family functions see it: `name` is its output tensor's unique name.
  struct LayerCall {
    const nn::LayerPtr& l;
    const std::string& type;
    const std::string& name;  // the output tensor's unique name
    const Json& c;            // the layer's config
    const std::vector<std::string>& in;
    const std::vector<Shape>& shapes;  // per-example input shapes
  };
  using Family = std::string (Exporter::*)(const LayerCall&);
  // Layer type -> the family function that writes its nodes.
  static const std::map<std::string, Family>& families();
  std::string export_conv_pool(const LayerCall& call);
  std::string export_activations(const LayerCall& call);
  std::string export_linear_algebra(const LayerCall& call);
  std::string export_shape_ops(const LayerCall& call);
  std::string export_attention(const LayerCall& call);
  std::string embedding_rows(const std::string& ids, const Tensor& table, const std::string& name, const std::string& output);
  std::string broadcast_table(const std::string& x, const Tensor& table, const std::string& name);

  // `name` is the layer's output tensor (its unique name in the graph).
  std::string conv(const nn::LayerPtr& l, const std::string& name, const Json& c, const std::string& x, const Shape& in);
  std::string pool(const nn::LayerPtr& l, const std::string& name, const Json& c, const std::string& x, const Shape& in);
  template <std::size_t Rank>
  std::string conv_transpose(const nn::ConvolutionTranspose<Rank>& t, const nn::LayerPtr& l, const std::string& name,
                             const std::string& x, const Shape& in);

  // Padding masks: Strata carries them beside tensors (Embedding(mask_zero) starts one, layers
  // that propagate masks pass it on, attention reads its keys'); the graph computes them from the
  // token ids instead. Tensor name -> the additive attention bias [B, 1, 1, S] (0 for a token,
  // -1e9 for padding) of the mask that tensor carries.
  std::map<std::string, std::string> padding_bias_;
  void refuse_padding_mask_readers(const nn::LayerPtr& l, const std::vector<std::string>& in) const;
  void carry_padding_mask(const nn::LayerPtr& l, const std::vector<std::string>& in, const std::vector<Shape>& shapes,
                          const std::string& out);
  std::string padding_bias(const std::string& ids, std::int64_t steps, const std::string& name);

  onnx::GraphProto& g_;
  std::map<std::string, int> used_;
};

// A layer's weight by name (undefined when it has none).
Tensor weight(const nn::LayerPtr& l, const std::string& name);

}  // namespace strata::interop::onnx_exporter
