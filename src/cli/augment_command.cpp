// `strata augment`: a PNG grid of training images and augmented copies, to see what a model is fed.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "command.h"
#include "validators.h"
#include "strata/data/augment.h"
#include "strata/data/image_io.h"

namespace strata::cli {
namespace {

struct AugmentPreviewOptions {
  DataOptions data;
  std::string augment = "flip,rotate=15,translate=0.1,zoom=0.1,brightness=0.1,contrast=0.1";
  std::string output = "runs/augment_preview.png";
  int samples = 6;  // rows: each an original followed by augmented copies
  int copies = 7;
  unsigned long seed = 42;
};

int run_augment_preview(const AugmentPreviewOptions& o) {
  const auto dataset = load_split(o.data, "train");
  const data::Augmentation augmentation = data::parse_augmentation(read_augment_spec(o.augment));
  const Shape s = dataset->input_shape();
  STRATA_CHECK(s.size() == 3, "augment: the data set's inputs are not images (shape ", shape_str(s), ")");
  // A grid: one row per sample, the original first, then augmented copies; 1-pixel gutters;
  // small images are enlarged so a person can see the details.
  const std::int64_t scale = s[1] < 64 ? 4 : 1, h = s[1] * scale, w = s[2] * scale, gap = 2;
  const std::int64_t rows = o.samples, cols = o.copies + 1;
  Tensor grid = Tensor::ones({s[0], rows * (h + gap) + gap, cols * (w + gap) + gap});
  Generator gen(o.seed);
  for (std::int64_t r = 0; r < rows; ++r) {
    const Tensor original = dataset->get(r % dataset->size()).input;
    for (std::int64_t c = 0; c < cols; ++c) {
      const Tensor image = c == 0 ? original : augmentation.apply(original, gen);
      const Tensor big = scale == 1 ? image : data::resize(image, h, w);
      grid.slice(1, gap + r * (h + gap), gap + r * (h + gap) + h).slice(2, gap + c * (w + gap), gap + c * (w + gap) + w).copy_(big);
    }
  }
  ensure_parent_folder(o.output);
  data::write_png(o.output, grid);
  std::printf("augmentation: %s\nwrote %s (%lld rows: the original, then %d augmented copies)\n",
              augmentation.spec().c_str(), o.output.c_str(), static_cast<long long>(rows), o.copies);
  return 0;
}

}  // namespace

void add_augment(CLI::App& app, Run& selected) {
  auto [o, cmd] = add_command<AugmentPreviewOptions>(
      app, selected, "augment", "Write a PNG grid of training images and augmented copies",
      run_augment_preview);
  cmd->add_option("--augment", o->augment, "Augmentation spec or file")->capture_default_str();
  cmd->add_option("--preview", o->output, "The PNG to write")->capture_default_str();
  cmd->add_option("--samples", o->samples, "Rows (training images)")->capture_default_str()->check(number_in(1, 1000));
  cmd->add_option("--copies", o->copies, "Augmented copies per row")->capture_default_str()->check(number_in(1, 1000));
  cmd->add_option("--seed", o->seed, "Seed")->capture_default_str();
  add_data_options(cmd, o->data);
}

}  // namespace strata::cli
