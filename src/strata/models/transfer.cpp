#include "strata/models/transfer.h"

#include <regex>

#include "strata/nn/layers.h"

namespace strata::models {

std::shared_ptr<Model> cut_at(const std::shared_ptr<Model>& model, const std::string& layer_name) {
  const std::string name = model->name() + "_to_" + layer_name;
  if (!nn::is<Sequential>(*model)) return std::make_shared<Model>(model->input_tensors(), model->output_of(layer_name), name);
  model->ensure_built();
  model->get_layer(layer_name);  // throws listing the layers when there is none of that name
  std::vector<nn::LayerPtr> kept;
  for (const auto& layer : model->layers()) {
    if (dynamic_cast<nn::InputLayer*>(layer.get())) continue;
    kept.push_back(layer);
    if (layer->name() == layer_name) break;
  }
  return std::make_shared<Sequential>(model->input_shape(), kept, name);
}

std::shared_ptr<Model> with_new_head(const std::shared_ptr<Model>& base, std::int64_t classes, double dropout,
                                     const std::string& activation, const std::string& pooling) {
  STRATA_CHECK(pooling == "avg" || pooling == "max" || pooling == "flatten",
               "with_new_head: pooling must be avg, max or flatten, got \"", pooling, "\"");
  STRATA_CHECK(classes >= 1, "with_new_head: classes must be positive, got ", classes);
  base->ensure_built();
  std::vector<nn::SymbolicTensor> inputs;
  nn::SymbolicTensor x;
  if (!nn::is<Sequential>(*base)) {  // a functional model: reuse the graph itself, layer names stay flat
    inputs = base->input_tensors();
    x = base->output_of(base->layers().back()->name());
  } else {  // a Sequential is called as one layer
    inputs = {nn::Input(base->input_shape())};
    x = (*base)(inputs[0]);
  }
  if (x.shape().size() == 3) {
    if (pooling == "flatten")
      x = (*std::make_shared<nn::Flatten>("head_flatten"))(x);
    else
      x = (*std::make_shared<nn::GlobalPooling2D>(pooling == "max" ? kernels::PoolKind::max : kernels::PoolKind::avg, false,
                                                  "head_pool"))(x);
  }
  STRATA_CHECK(x.shape().size() == 1, "with_new_head: the base's output ", shape_str(x.shape()),
               " is neither a feature map (C, H, W) nor a vector");
  if (dropout > 0) x = (*std::make_shared<nn::Dropout>(dropout, "head_dropout"))(x);
  x = (*std::make_shared<nn::Dense>(nn::DenseOptions(classes).activation(activation).name("head")))(x);
  return std::make_shared<Model>(inputs, x, base->name() + "_new_head");
}

int set_trainable(Model& model, const std::string& name_pattern, bool trainable) {
  const std::regex pattern(name_pattern);
  int matched = 0;
  for (const auto& layer : model.layers())
    if (std::regex_match(layer->name(), pattern)) {
      layer->set_trainable(trainable);
      ++matched;
    }
  STRATA_CHECK(matched > 0, "set_trainable: no layer of model '", model.name(), "' matches \"", name_pattern, "\"");
  return matched;
}

std::vector<double> layer_learning_rates(Model& model, const std::vector<std::pair<std::string, double>>& patterns) {
  std::vector<std::pair<std::regex, double>> compiled;
  for (const auto& [p, m] : patterns) compiled.emplace_back(std::regex(p), m);
  std::vector<double> out;
  for (const auto& layer : model.layers())
    for (auto* w : layer->weights()) {
      if (!w->variable.requires_grad()) continue;  // frozen: not handed to the optimizer
      double m = 1.0;
      for (const auto& [re, mult] : compiled)
        if (std::regex_match(layer->name(), re)) {
          m = mult;
          break;
        }
      out.push_back(m);
    }
  return out;
}

int freeze_up_to(Model& model, const std::string& layer_name) {
  model.get_layer(layer_name);  // throws listing the layers when there is none of that name
  int frozen = 0;
  bool after = false;
  for (const auto& layer : model.layers()) {
    layer->set_trainable(after);
    if (!after) ++frozen;
    if (layer->name() == layer_name) after = true;
  }
  return frozen;
}

}  // namespace strata::models
