// Where the commands get their data: Fashion-MNIST from Debian's package or a folder of
// MNIST-layout IDX files.
#pragma once

#include "commands.h"
#include "strata/data/idx.h"

namespace strata::cli {

data::LabelledImages load_split(const DataOptions& options, const std::string& split);

}  // namespace strata::cli
