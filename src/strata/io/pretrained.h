// Pre-trained models that ship in the repository's pretrained/ folder (or $STRATA_PRETRAINED_DIR),
// loaded by name: "resnet_fashion" (the zoo's resnet_compact trained on Fashion-MNIST, input
// (1, 28, 28), 10 classes). Beside the file layer, so models/ does not reach up into io/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "strata/models/model.h"

namespace strata::io {

std::vector<std::string> pretrained_names();
// Throws naming the known models for an unknown name, or the file's problem.
std::shared_ptr<models::Model> load_pretrained(const std::string& name);

}  // namespace strata::io
