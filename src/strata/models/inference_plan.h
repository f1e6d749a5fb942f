// Inference fusion for functional models: a Conv2D or DepthwiseConv2D together with the
// ZeroPadding2D before it, the BatchNormalization after it and a ReLU/ReLU6 after that runs as
// one convolution whose padding includes the zero padding and whose output goes through the
// folded batch normalization and the activation inside the kernel (oneDNN post-ops). Only
// under NoGradGuard with training off, where no gradient can ask for the skipped outputs; the
// result equals the unfused layers' up to rounding.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "strata/kernels/kernels.h"
#include "strata/nn/graph.h"

namespace strata::models {

struct FusedConv {
  const nn::GraphNode* pad = nullptr;  // ZeroPadding2D folded into the convolution's padding
  const nn::GraphNode* conv = nullptr;
  const nn::GraphNode* batch_norm = nullptr;
  const nn::GraphNode* activation = nullptr;  // a separate ReLU / Activation layer
  std::optional<kernels::ActivationKind> fused_activation;  // the conv's own or the separate layer's
  std::array<std::int64_t, 4> extra_pads{};              // top, bottom, left, right
  double epsilon = 0.0;
  const nn::GraphNode* first() const { return pad ? pad : conv; }
  const nn::GraphNode* last() const { return activation ? activation : batch_norm ? batch_norm : conv; }
};

class InferencePlan {
 public:
  InferencePlan(const std::vector<std::shared_ptr<nn::GraphNode>>& order, const std::vector<const nn::GraphNode*>& outputs);
  // The fused group whose first node is `node`, or null.
  const FusedConv* group_starting_at(const nn::GraphNode* node) const;
  // Nodes inside a group after its first one (their outputs are never materialized).
  bool inside_group(const nn::GraphNode* node) const { return inner_.count(node) > 0; }
  std::size_t fused_groups() const { return groups_.size(); }

  static Variable run(const FusedConv& group, const Variable& input);

 private:
  std::vector<FusedConv> groups_;
  std::unordered_map<const nn::GraphNode*, std::size_t> starts_;
  std::unordered_set<const nn::GraphNode*> inner_;
};

}  // namespace strata::models
