// Class-name files for classifiers: one class per line, in index order, either the bare name
// or "index,name[, synonym...]" (the ImageNet label lists), where the name is the text between
// the first and the second comma.
#pragma once

#include <string>
#include <vector>

namespace strata::data {

std::vector<std::string> read_class_names(const std::string& path);

}  // namespace strata::data
