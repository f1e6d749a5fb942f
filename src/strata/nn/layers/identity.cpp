#include "strata/nn/layers/identity.h"

#include "strata/nn/layer_config.h"
#include "strata/nn/registry.h"

namespace strata::nn {

LayerPtr Identity::from_config(const nlohmann::json& c) { return std::make_shared<Identity>(config::name(c)); }

namespace {
const LayerRegistrar identity_registrar("Identity", Identity::from_config);
}  // namespace

}  // namespace strata::nn
