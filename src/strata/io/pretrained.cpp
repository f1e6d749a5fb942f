#include "strata/io/pretrained.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "strata/io/model_io.h"

namespace strata::io {

std::vector<std::string> pretrained_names() { return {"resnet_fashion"}; }

std::shared_ptr<models::Model> load_pretrained(const std::string& name) {
  const auto names = pretrained_names();
  STRATA_CHECK(std::find(names.begin(), names.end(), name) != names.end(), "pretrained: unknown model \"", name,
               "\"; expected resnet_fashion");
  const char* dir = std::getenv("STRATA_PRETRAINED_DIR");
  const auto path = std::filesystem::path(dir ? dir : STRATA_PRETRAINED_DIR) / (name + ".strata");
  return load_model(path.string()).model;
}

}  // namespace strata::io
