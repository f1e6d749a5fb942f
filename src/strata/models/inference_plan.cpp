#include "strata/models/inference_plan.h"

#include <algorithm>

#include "strata/nn/layers.h"
#include "strata/ops/ops.h"
#include "strata/tensor/math.h"

namespace strata::models {
namespace {

// relu / relu6 as a fusable activation; nullopt for anything else.
std::optional<kernels::ActivationKind> fusable(const std::string& name) {
  if (name == "relu") return kernels::ActivationKind::relu;
  if (name == "relu6") return kernels::ActivationKind::relu6;
  return std::nullopt;
}

std::optional<kernels::ActivationKind> activation_layer(const nn::Layer& layer) {
  const auto c = layer.config().at("config");
  if (nn::is<nn::Activation>(layer)) return fusable(c.at("activation").get<std::string>());
  if (!nn::is<nn::ReLU>(layer) || c.value("negative_slope", 0.0) != 0.0 || c.value("threshold", 0.0) != 0.0) return std::nullopt;
  const auto max_value = c.value("max_value", nlohmann::json());
  const double m = max_value.is_null() ? 0.0 : max_value.get<double>();
  if (m == 0.0) return kernels::ActivationKind::relu;
  if (m == 6.0) return kernels::ActivationKind::relu6;
  return std::nullopt;
}

Tensor weight(nn::Layer& layer, const std::string& name) {
  for (nn::Weight* w : layer.weights())
    if (w->name == name) return w->variable.value();
  return Tensor();
}

}  // namespace

InferencePlan::InferencePlan(const std::vector<std::shared_ptr<nn::GraphNode>>& order,
                             const std::vector<const nn::GraphNode*>& outputs) {
  std::unordered_map<const nn::GraphNode*, std::vector<const nn::GraphNode*>> consumers;
  for (const auto& n : order)
    for (const auto& in : n->inputs) consumers[in.get()].push_back(n.get());
  // The single consumer of `n` when `n` is not an output and feeds nothing else.
  auto only_consumer = [&](const nn::GraphNode* n) -> const nn::GraphNode* {
    const auto it = consumers.find(n);
    const bool is_output = std::find(outputs.begin(), outputs.end(), n) != outputs.end();
    if (is_output || it == consumers.end() || it->second.size() != 1) return nullptr;
    return it->second[0]->inputs.size() == 1 ? it->second[0] : nullptr;
  };
  for (const auto& node : order) {
    const std::string type = node->layer->type();
    if ((type != "Conv2D" && type != "DepthwiseConv2D") || node->inputs.size() != 1) continue;
    const auto config = node->layer->config().at("config");
    FusedConv f;
    f.conv = node.get();
    const std::string own = config.value("activation", std::string());
    if (!own.empty() && own != "linear") {
      f.fused_activation = fusable(own);
      if (!f.fused_activation) continue;  // an activation that cannot fuse: leave the layer alone
    }
    const nn::GraphNode* in = node->inputs[0].get();
    if (nn::is<nn::ZeroPadding2D>(in->layer) && config.value("padding", std::string()) == "valid" && only_consumer(in) == f.conv &&
        in->inputs.size() == 1) {
      const auto p = in->layer->config().at("config").at("padding").get<std::array<std::array<std::int64_t, 2>, 2>>();
      f.pad = in;
      f.extra_pads = {p[0][0], p[0][1], p[1][0], p[1][1]};
    }
    const nn::GraphNode* next = only_consumer(f.conv);
    if (!f.fused_activation && next && nn::is<nn::BatchNormalization>(next->layer)) {
      f.batch_norm = next;
      f.epsilon = next->layer->config().at("config").value("epsilon", 1e-3);
      next = only_consumer(next);
    }
    if (!f.fused_activation && next) {
      f.fused_activation = activation_layer(*next->layer);
      if (f.fused_activation) f.activation = next;
    }
    if (!f.pad && !f.batch_norm && !f.fused_activation) continue;  // nothing to gain
    starts_[f.first()] = groups_.size();
    for (const nn::GraphNode* inner : {f.pad ? f.conv : nullptr, f.batch_norm, f.activation})
      if (inner) inner_.insert(inner);
    groups_.push_back(f);
  }
}

const FusedConv* InferencePlan::group_starting_at(const nn::GraphNode* node) const {
  const auto it = starts_.find(node);
  return it == starts_.end() ? nullptr : &groups_[it->second];
}

Variable InferencePlan::run(const FusedConv& f, const Variable& input) {
  nn::Layer& conv = *f.conv->layer;
  const bool depthwise = nn::as<nn::Conv2D>(f.conv->layer)->kind() == nn::Conv2D::Kind::depthwise;
  const Tensor w = weight(conv, depthwise ? "depthwise_kernel" : "kernel"), bias = weight(conv, "bias");
  const auto& options = dynamic_cast<const nn::Conv2D&>(conv).options();
  Shape padded = input.shape();
  padded[2] += f.extra_pads[0] + f.extra_pads[1];
  padded[3] += f.extra_pads[2] + f.extra_pads[3];
  kernels::Conv2dGeometry g =
      options.op_options().groups(depthwise ? input.size(1) : options.groups_).resolve(padded, w.size(2), w.size(3));
  g.pad_top += f.extra_pads[0];
  g.pad_bottom += f.extra_pads[1];
  g.pad_left += f.extra_pads[2];
  g.pad_right += f.extra_pads[3];
  kernels::ConvEpilogue epilogue;
  epilogue.activation = f.fused_activation;
  if (f.batch_norm) {
    nn::Layer& bn = *f.batch_norm->layer;
    const Tensor mean = weight(bn, "moving_mean"), var = weight(bn, "moving_variance");
    const Tensor gamma = weight(bn, "gamma"), beta = weight(bn, "beta");
    // y = gamma * (x - mean) / sqrt(var + eps) + beta = x * scale + shift
    epilogue.scale = strata::div(gamma.defined() ? gamma : Tensor::ones(mean.shape(), mean.dtype()), sqrt(var + f.epsilon));
    epilogue.shift = (beta.defined() ? beta : Tensor::zeros(mean.shape(), mean.dtype())) - mean * epilogue.scale;
  }
  return Variable(kernels::conv2d_inference(input.value(), w, bias, g, epilogue));
}

}  // namespace strata::models
