// Where the commands get their data: Fashion-MNIST from Debian's package, a folder of
// MNIST-layout IDX files, or an image folder with train/ and test/ sub-folders of class folders.
#pragma once

#include "commands.h"
#include "strata/data/dataset.h"

namespace strata::cli {

// "train" or "test" split, limited per DataOptions::limit.
data::DatasetPtr load_split(const DataOptions& options, const std::string& split);

}  // namespace strata::cli
