#include "strata/models/builtin.h"

#include "strata/nn/layers.h"

namespace strata::models {

std::vector<std::string> builtin_model_names() { return {"small_cnn", "mlp"}; }

std::shared_ptr<Model> builtin_model(const std::string& name, const Shape& input_shape, std::int64_t classes) {
  using namespace strata::layers;
  if (name == "small_cnn")
    return std::make_shared<Sequential>(
        input_shape,
        std::vector<nn::LayerPtr>{Conv2D(32, 3, "relu", "same"), MaxPooling2D(2), Conv2D(64, 3, "relu", "same"),
                                  MaxPooling2D(2), Flatten(), Dense(128, "relu"), Dropout(0.5),
                                  Dense(classes, "softmax")},
        "small_cnn");
  if (name == "mlp")
    return std::make_shared<Sequential>(
        input_shape,
        std::vector<nn::LayerPtr>{Flatten(), Dense(256, "relu"), Dense(128, "relu"), Dense(classes, "softmax")}, "mlp");
  throw Error(detail::concat("unknown built-in model \"", name, "\"; expected small_cnn or mlp, or a model spec .json file"));
}

}  // namespace strata::models
