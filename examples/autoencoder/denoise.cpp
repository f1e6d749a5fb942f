// A convolutional denoising autoencoder on Fashion-MNIST: Conv2D layers with stride 2 encode a
// noisy image to 7x7 feature maps, Conv2DTranspose layers decode it back to 28x28. Trained on
// (noisy, clean) pairs with the mean squared error, it is scored on the test images against a
// plain Gaussian blur of the noisy image (the classical denoiser) and against doing nothing;
// a PNG grid shows noisy / blurred / denoised / clean test images, one per class. The trained
// network goes through ONNX and back to show the export is exact.
//
// --classify adds a second output: a classifier head on the 7x7 code (class + reconstruction,
// a two-output model), trained with a loss and a weight per output and reported per output;
// the saved model is loaded back and must give the same figures.
//
//   build/examples/strata_denoise [--epochs 5] [--noise 0.3] [--classify] [--output runs/denoise]
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "strata/data/image_io.h"
#include "strata/interop/onnx_export.h"
#include "strata/interop/onnx_import.h"
#include "strata/strata.h"

using namespace strata;

namespace {

// Gaussian noise of standard deviation `sigma`, clipped back to [0, 1].
Tensor add_noise(const Tensor& clean, double sigma, Generator& gen) {
  const Tensor noisy = add(clean, Tensor::normal(clean.shape(), 0, sigma, DType::f32, &gen));
  return minimum(maximum(noisy, Tensor::zeros({1})), Tensor::ones({1}));
}

// A normalized 5x5 Gaussian kernel [1, 1, 5, 5] of standard deviation `sigma` (pixels).
Tensor gaussian_kernel(double sigma) {
  std::vector<float> k(25);
  double total = 0;
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) total += k[i * 5 + j] = static_cast<float>(std::exp(-((i - 2) * (i - 2) + (j - 2) * (j - 2)) / (2 * sigma * sigma)));
  for (float& v : k) v = static_cast<float>(v / total);
  return Tensor::from_vector(k, {1, 1, 5, 5});
}

// Blurs [N, 1, H, W] with edge-replicated borders, as an image editor does.
Tensor blur(const Tensor& images, double sigma) {
  // Edge replication: the padding's rows and columns copy the nearest image pixel.
  const auto edge_pad = layers::make<nn::Pad>(std::vector<std::array<std::int64_t, 2>>{{0, 0}, {2, 2}, {2, 2}}, "edge");
  const Tensor edge = edge_pad(Variable(images)).value();
  return ops::conv2d(Variable(edge), Variable(gaussian_kernel(sigma)), Variable()).value();
}

double mse(const Tensor& a, const Tensor& b) { return mean(square(sub(a, b))).item(); }
double psnr(double mse_value) { return 10.0 * std::log10(1.0 / mse_value); }

// Rows of images [N, 1, H, W] side by side with a 2-pixel white gap, as one [1, H', W'] picture.
Tensor grid(const std::vector<Tensor>& rows) {
  const std::int64_t n = rows[0].size(0), h = rows[0].size(2), w = rows[0].size(3), gap = 2;
  Tensor out = Tensor::ones({1, static_cast<std::int64_t>(rows.size()) * (h + gap) - gap, n * (w + gap) - gap});
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::int64_t i = 0; i < n; ++i)
      out.slice(1, static_cast<std::int64_t>(r) * (h + gap), static_cast<std::int64_t>(r) * (h + gap) + h)
          .slice(2, i * (w + gap), i * (w + gap) + w)
          .copy_(rows[r].slice(0, i, i + 1).reshape({1, h, w}));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Convolutional denoising autoencoder on Fashion-MNIST (Conv2D down, Conv2DTranspose up)"};
  int epochs = 3, batch_size = 64;
  double noise = 0.3, blur_sigma = 1.0, lr = 2e-3;
  std::int64_t train_size = 60000;
  unsigned long seed = 1;
  std::string output = "runs/denoise";
  app.add_option("--epochs", epochs)->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--batch-size", batch_size)->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--noise", noise, "Standard deviation of the Gaussian noise (images in [0, 1])")->capture_default_str()->check(CLI::Range(0.01, 1.0));
  app.add_option("--blur-sigma", blur_sigma, "The blur baseline's Gaussian, in pixels")->capture_default_str()->check(CLI::Range(0.1, 5.0));
  app.add_option("--train-size", train_size, "Training images used (of 60000)")->capture_default_str()->check(CLI::Range(100, 60000));
  app.add_option("--lr", lr)->capture_default_str();
  app.add_option("--seed", seed)->capture_default_str();
  app.add_option("--output", output, "Folder for grid.png, denoiser.strata and denoiser.onnx")->capture_default_str();
  bool classify = false;
  double class_weight = 0.05;
  app.add_flag("--classify", classify, "Add a classifier head on the code: a two-output model (image, class)");
  app.add_option("--class-loss-weight", class_weight, "The class loss's weight beside the reconstruction's 1")
      ->capture_default_str()->check(CLI::Range(0.0, 100.0));
  CLI11_PARSE(app, argc, argv);
  try {
    manual_seed(seed);
    Generator noise_gen(seed + 17);
    const auto train_set = data::load_fashion_mnist("train"), test_set = data::load_fashion_mnist("test");
    const Tensor clean_train = train_set.images.slice(0, 0, train_size).contiguous(), clean_test = test_set.images;
    const Tensor noisy_train = add_noise(clean_train, noise, noise_gen), noisy_test = add_noise(clean_test, noise, noise_gen);
    std::printf("Fashion-MNIST: %lld training and %lld test images, Gaussian noise sigma %.2f\n",
                static_cast<long long>(clean_train.size(0)), static_cast<long long>(clean_test.size(0)), noise);

    auto in = nn::Input({1, 28, 28}, "noisy");
    auto h = layers::Conv2D(nn::Conv2DOptions(32, 3).stride(2).padding("same").activation("relu"))(in);  // 14x14
    const auto code = layers::Conv2D(nn::Conv2DOptions(32, 3).stride(2).padding("same").activation("relu"))(h);  // 7x7
    h = layers::Conv2DTranspose(32, 3, 2, "same", "relu")(code);                                                  // 14x14
    h = layers::Conv2DTranspose(32, 3, 2, "same", "relu")(h);                                                     // 28x28
    auto image = layers::Conv2D(nn::Conv2DOptions(1, 3).padding("same").activation("sigmoid").name("image"))(h);
    std::vector<nn::SymbolicTensor> outputs{image};
    if (classify)
      outputs.push_back(layers::Dense(nn::DenseOptions(10).activation("softmax").name("class"))(
          layers::Dropout(0.3)(layers::GlobalAveragePooling2D()(code))));
    auto model = std::make_shared<models::Model>(std::vector<nn::SymbolicTensor>{in}, outputs, "denoiser");
    std::printf("%s\n", model->summary().c_str());

    std::vector<train::OutputLoss> losses{{"mse"}};
    if (classify) losses.push_back({"sparse_categorical_crossentropy", {"accuracy"}, class_weight});
    auto trainer = train::compile(model, "adam", losses, lr);
    std::vector<Tensor> targets{clean_train};
    if (classify) targets.push_back(train_set.labels.slice(0, 0, train_size).contiguous());
    trainer.fit({noisy_train}, targets, train::FitOptions().epochs(epochs).batch_size(batch_size).validation_split(0.05));
    const Tensor denoised = trainer.predict_outputs({noisy_test}).front();
    const Tensor blurred = blur(noisy_test, blur_sigma);

    const double noisy_mse = mse(noisy_test, clean_test), blur_mse = mse(blurred, clean_test), model_mse = mse(denoised, clean_test);
    std::printf("\ntest reconstruction error against the clean images (%lld images):\n", static_cast<long long>(clean_test.size(0)));
    std::printf("  %-30s MSE %.5f  PSNR %5.2f dB\n", "noisy input (no denoising)", noisy_mse, psnr(noisy_mse));
    std::printf("  %-30s MSE %.5f  PSNR %5.2f dB\n", ("Gaussian blur, sigma " + std::to_string(blur_sigma).substr(0, 4)).c_str(),
                blur_mse, psnr(blur_mse));
    std::printf("  %-30s MSE %.5f  PSNR %5.2f dB\n", "autoencoder", model_mse, psnr(model_mse));
    std::printf("%s\n", model_mse < blur_mse ? "the autoencoder beats the blur baseline"
                                             : "the autoencoder does NOT beat the blur baseline");

    // One test image per class: noisy / blurred / denoised / clean.
    std::vector<std::int64_t> picks;
    const auto labels = test_set.labels.to_vector<std::int64_t>();
    for (std::int64_t c = 0; c < 10; ++c)
      for (std::size_t i = 0; i < labels.size(); ++i)
        if (labels[i] == c) {
          picks.push_back(static_cast<std::int64_t>(i));
          break;
        }
    const auto rows = [&](const Tensor& t) { return gather_rows(t, picks); };
    std::filesystem::create_directories(output);
    const auto grid_path = (std::filesystem::path(output) / "grid.png").string();
    data::write_png(grid_path, grid({rows(noisy_test), rows(blurred), rows(denoised), rows(clean_test)}));
    std::printf("wrote %s (rows: noisy, blurred, denoised, clean; one image per class)\n", grid_path.c_str());

    const auto model_path = (std::filesystem::path(output) / "denoiser.strata").string();
    io::save_model(model_path, *model, &trainer.optimizer(), trainer.training_config());
    if (classify) {
      // Per-output figures of the two-output model, and the same from the saved file.
      const std::vector<Tensor> test_targets{clean_test, test_set.labels};
      const train::Logs logs = trainer.evaluate({noisy_test}, test_targets);
      auto loaded = train::restore(io::load_model(model_path));
      const train::Logs again = loaded.evaluate({noisy_test}, test_targets);
      std::printf("\ntwo outputs on the noisy test images: image_loss (MSE) %.5f, class_loss %.4f, class_accuracy %.4f; "
                  "total loss %.5f (= image_loss + %.2f x class_loss)\n",
                  logs.at("image_loss"), logs.at("class_loss"), logs.at("class_accuracy"), logs.at("loss"), class_weight);
      std::printf("loaded back from %s: class_accuracy %.4f, image_loss %.5f%s\n", model_path.c_str(),
                  again.at("class_accuracy"), again.at("image_loss"),
                  again == logs ? " (identical)" : " (DIFFERENT)");
      if (again != logs) {
        std::fprintf(stderr, "error: the loaded model's figures differ\n");
        return 1;
      }
    }
    // Strata -> ONNX -> Strata: the same outputs, to the bit.
    const auto onnx_path = (std::filesystem::path(output) / "denoiser.onnx").string();
    interop::export_onnx(*model, onnx_path);
    auto back = interop::import_onnx(onnx_path);
    const Tensor sample = noisy_test.slice(0, 0, 256).contiguous();
    const auto ours = model->call_outputs({Variable(sample)}, false), theirs = back->call_outputs({Variable(sample)}, false);
    double diff = ours.size() == theirs.size() ? 0.0 : 1.0;
    for (std::size_t k = 0; k < ours.size() && k < theirs.size(); ++k)
      diff = std::max(diff, max_abs_diff(theirs[k].value(), ours[k].value()));
    std::printf("wrote %s and %s; the ONNX file imported back gives outputs that differ by %g\n", model_path.c_str(),
                onnx_path.c_str(), diff);
    if (diff != 0.0) {
      std::fprintf(stderr, "error: the ONNX round trip changed the outputs\n");
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
