// Saves one small model per layer case (tests/layer_cases.h) with an input batch and the
// model's prediction for it: <dir>/<case>.strata, <case>.in<i>.npy, <case>.out.npy.
// Run with an older Strata to make the files tests/test_legacy_models.cpp loads (they are
// kept in tests/data/legacy_models/: files saved before a change must still load and
// predict the same after it).
//   strata_write_layer_models tests/data/legacy_models
#include <cstdio>
#include <filesystem>

#include "../layer_cases.h"
#include "strata/io/model_io.h"
#include "strata/io/npy.h"

using namespace strata;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_FOLDER\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  for (const auto& c : testing::layer_cases()) {
    manual_seed(11);
    auto model = testing::model_for(c);
    const std::vector<Variable> x = testing::inputs_for(c, 3);
    NoGradGuard no_grad;
    const Tensor y = model->call(x, false).value();
    io::save_model((dir / (c.label + ".strata")).string(), *model);
    for (std::size_t i = 0; i < x.size(); ++i)
      io::write_npy((dir / (c.label + ".in" + std::to_string(i) + ".npy")).string(), x[i].value());
    io::write_npy((dir / (c.label + ".out.npy")).string(), y);
    std::printf("%s\n", c.label.c_str());
  }
  return 0;
}
