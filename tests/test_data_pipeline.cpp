// The data pipeline: transform geometry and statistics, loaders on files written here (CIFAR
// binary, PNG/JPEG image folders, CSV) with their malformed cases, the DataLoader's batching,
// seeding and workers, and preprocessing.
#include <gtest/gtest.h>

#include "test_helpers.h"
#include <stb/stb_image_write.h>

#include <filesystem>
#include <fstream>

#include "strata/data/augment.h"
#include "strata/data/image_io.h"
#include "strata/data/image_preprocessing.h"
#include "strata/data/loader.h"
#include "strata/data/preprocessing.h"
#include "strata/tensor/math.h"

using namespace strata;
using strata::testing::error_of;
using namespace strata::data;
namespace fs = std::filesystem;

namespace {
fs::path fresh_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("strata_data_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

Tensor random_image(const Shape& s, std::uint64_t seed) {
  Generator g(seed);
  return Tensor::uniform(s, 0, 1, DType::f32, &g);
}


double variance(const Tensor& t) {
  const double m = mean(t).item();
  return mean(square(add(t, -m))).item();
}
}  // namespace

// ---------------------------------------------------------------- geometry
TEST(Transforms, FlippingTwiceIsTheIdentity) {
  const Tensor x = random_image({3, 5, 7}, 1);
  EXPECT_EQ(flip(flip(x, true), true).to_vector<float>(), x.to_vector<float>());
  EXPECT_EQ(flip(flip(x, false), false).to_vector<float>(), x.to_vector<float>());
  EXPECT_FLOAT_EQ(flip(x, true).at({1, 2, 0}), x.at({1, 2, 6}));
}

TEST(Transforms, NinetyDegreeRotationIsTransposeAndFlip) {
  const Tensor x = random_image({2, 6, 6}, 2);
  AffineParams p;
  p.angle_degrees = 90;  // counter-clockwise: np.rot90 = flipud(transpose)
  const Tensor rotated = affine(x, p);
  const Tensor expected = flip(x.transpose(1, 2).contiguous(), false);
  EXPECT_LT(max_abs_diff(rotated, expected), 1e-5);
}

TEST(Transforms, TranslationMovesAMarkedPixelByK) {
  Tensor x = Tensor::zeros({1, 9, 9});
  x.slice(1, 2, 3).slice(2, 3, 4).fill_(1.0);  // pixel (row 2, col 3)
  AffineParams p;
  p.shift_x = 3;
  p.shift_y = 2;
  const Tensor moved = affine(x, p);
  EXPECT_FLOAT_EQ(moved.at({0, 4, 6}), 1.0f);
  EXPECT_FLOAT_EQ(sum(moved).item(), 1.0f);
}

TEST(Transforms, FillModes) {
  Tensor x = Tensor::arange(5).reshape({1, 1, 5});  // one row: 0 1 2 3 4
  AffineParams p;
  p.shift_x = 2;
  EXPECT_EQ(affine(x, p, FillMode::constant, 9).to_vector<float>(), (std::vector<float>{9, 9, 0, 1, 2}));
  EXPECT_EQ(affine(x, p, FillMode::nearest).to_vector<float>(), (std::vector<float>{0, 0, 0, 1, 2}));
  EXPECT_EQ(affine(x, p, FillMode::reflect).to_vector<float>(), (std::vector<float>{1, 0, 0, 1, 2}));
}

// ---------------------------------------------------------------- statistics
TEST(Transforms, BrightnessContrastAndNoiseChangeMeanAndVarianceAsSpecified) {
  Generator data(3);
  const Tensor gray = add(Tensor::uniform({1, 32, 32}, -0.1, 0.1, DType::f32, &data), 0.5);  // no clipping
  Generator g1(4), g2(4);
  const Tensor brighter = random_brightness(0.2)->apply(gray, g1);
  const double delta = g2.uniform(-0.2, 0.2);
  EXPECT_NEAR(mean(brighter).item() - mean(gray).item(), delta, 1e-5);

  Generator g3(5), g4(5);
  const Tensor contrasted = random_contrast(0.5)->apply(gray, g3);
  const double factor = g4.uniform(0.5, 1.5);
  EXPECT_NEAR(mean(contrasted).item(), mean(gray).item(), 1e-5);
  EXPECT_NEAR(variance(contrasted) / variance(gray), factor * factor, 1e-3);

  Generator g5(6);
  const Tensor noisy = gaussian_noise(0.1)->apply(gray, g5);
  EXPECT_NEAR(variance(sub(noisy, gray)), 0.01, 0.0015);
  EXPECT_NEAR(mean(sub(noisy, gray)).item(), 0.0, 0.01);
}

TEST(Transforms, ColourJitterKeepsGrayAndRangeAndErasingCutsARectangle) {
  const Tensor rgb = random_image({3, 8, 8}, 7);
  Generator g(8);
  for (const auto& t : {random_saturation(0.5), random_hue(0.1)}) {
    const Tensor out = t->apply(rgb, g);
    EXPECT_GE(min(out).item(), 0.0);
    EXPECT_LE(max(out).item(), 1.0);
    EXPECT_GT(max_abs_diff(out, rgb), 0.0);
    const Tensor gray_rgb = Tensor::full({3, 4, 4}, 0.4);  // gray has no hue or saturation
    EXPECT_LT(max_abs_diff(t->apply(gray_rgb, g), gray_rgb), 2e-3);
  }
  const Tensor ones = Tensor::ones({1, 20, 20});
  const Tensor erased = random_erasing(1.0)->apply(ones, g);
  const double removed = 400 - sum(erased).item();
  EXPECT_GE(removed, 0.01 * 400);
  EXPECT_LE(removed, 0.25 * 400);
}

TEST(Transforms, ParsingSpecs) {
  EXPECT_EQ(parse_augmentation("flip, rotate=15,translate=0.1,fill=reflect").spec(),
            "flip,rotate=15,translate=0.1,fill=reflect");
  EXPECT_TRUE(parse_augmentation("").empty());
  EXPECT_NE(error_of([] { parse_augmentation("flip,wobble=3"); }).find("unknown option \"wobble\""), std::string::npos);
  EXPECT_NE(error_of([] { parse_augmentation("rotate=abc"); }).find("non-negative number"), std::string::npos);
  EXPECT_NE(error_of([] { parse_augmentation("fill=wrap"); }).find("constant, nearest or reflect"), std::string::npos);
}

// ---------------------------------------------------------------- loader
namespace {
std::shared_ptr<TensorDataset> numbered_dataset(std::int64_t n) {
  // Image i is filled with i/100 so batches can be identified.
  Tensor x = Tensor::empty({n, 1, 4, 4});
  for (std::int64_t i = 0; i < n; ++i) x.select(0, i).fill_(double(i) / 100.0);
  return std::make_shared<TensorDataset>(x, Tensor::arange(n, DType::i64));
}

std::vector<std::vector<float>> epoch_batches(DataLoader& loader, int epoch, bool training) {
  loader.start_epoch(epoch, training);
  std::vector<std::vector<float>> out;
  Example b;
  while (loader.next(b)) out.push_back(b.input.to_vector<float>());
  return out;
}
}  // namespace

TEST(DataLoader, BatchingShufflingAndDropLast) {
  LoaderOptions o;
  o.batch_size = 4;
  o.shuffle = false;
  DataLoader plain(numbered_dataset(10), o);
  EXPECT_EQ(plain.batches(), 3);
  plain.start_epoch(0, true);
  Example b;
  std::vector<std::int64_t> seen;
  while (plain.next(b))
    for (auto v : b.target.to_vector<std::int64_t>()) seen.push_back(v);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  o.drop_last = true;
  o.shuffle = true;
  o.seed = 5;
  DataLoader dropping(numbered_dataset(10), o);
  EXPECT_EQ(dropping.batches(), 2);
  const auto e0 = epoch_batches(dropping, 0, true), e1 = epoch_batches(dropping, 1, true);
  EXPECT_EQ(e0.size(), 2u);
  EXPECT_NE(e0, e1);                                 // a new order each epoch
  EXPECT_EQ(e0, epoch_batches(dropping, 0, true));  // the same epoch repeats exactly
}

TEST(DataLoader, SameSeedSameBatchesWithAnyNumberOfWorkersAndEvaluationNeverAugments) {
  auto aug = std::make_shared<Augmentation>(parse_augmentation("flip,rotate=20,noise=0.05"));
  auto make = [&](int workers, std::uint64_t seed) {
    LoaderOptions o;
    o.batch_size = 3;
    o.workers = workers;
    o.seed = seed;
    o.augmentation = aug;
    Tensor x = Tensor::uniform({11, 1, 6, 6}, 0, 1);
    return std::make_unique<DataLoader>(std::make_shared<TensorDataset>(x, Tensor::arange(11, DType::i64)), o);
  };
  manual_seed(1);
  auto inline_loader = make(0, 7);
  manual_seed(1);
  auto threaded = make(2, 7);
  manual_seed(1);
  auto other_seed = make(2, 8);
  const auto a = epoch_batches(*inline_loader, 3, true), b = epoch_batches(*threaded, 3, true);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, epoch_batches(*other_seed, 3, true));
  // Evaluation: no shuffling, no augmentation: exactly the stored images in order.
  const auto eval = epoch_batches(*threaded, 0, false);
  const auto raw = to_tensors(threaded->dataset()).input.to_vector<float>();
  std::vector<float> flat;
  for (const auto& batch : eval) flat.insert(flat.end(), batch.begin(), batch.end());
  EXPECT_EQ(flat, raw);
}

TEST(DataLoader, WorkerErrorsReachTheCaller) {
  class Broken final : public Dataset {
   public:
    std::int64_t size() const override { return 8; }
    Example get(std::int64_t i) const override {
      STRATA_CHECK(i != 5, "broken example ", i);
      return {Tensor::zeros({2}), Tensor::scalar(0, DType::i64)};
    }
    Shape input_shape() const override { return {2}; }
  };
  LoaderOptions o;
  o.batch_size = 2;
  o.shuffle = false;
  o.workers = 2;
  DataLoader loader(std::make_shared<Broken>(), o);
  EXPECT_NE(error_of([&] { epoch_batches(loader, 0, true); }).find("broken example 5"), std::string::npos);
}

// ---------------------------------------------------------------- file formats
TEST(Formats, CifarBinaryAndItsMalformedCase) {
  const auto dir = fresh_dir("cifar");
  std::vector<unsigned char> bytes;
  for (int r = 0; r < 3; ++r) {
    bytes.push_back(static_cast<unsigned char>(r + 1));  // label
    for (int k = 0; k < 3072; ++k) bytes.push_back(static_cast<unsigned char>((k + r) % 256));
  }
  std::ofstream((dir / "data_batch_1.bin").string(), std::ios::binary).write(reinterpret_cast<char*>(bytes.data()), bytes.size());
  auto d = cifar_dataset({(dir / "data_batch_1.bin").string()});
  EXPECT_EQ(d->size(), 3);
  EXPECT_EQ(d->input_shape(), Shape({3, 32, 32}));
  EXPECT_EQ(d->class_names()[2], "bird");
  EXPECT_EQ(d->get(1).target.item(), 2);
  EXPECT_FLOAT_EQ(d->get(1).input.at({0, 0, 5}), 6.0f / 255.0f);
  std::ofstream((dir / "short.bin").string(), std::ios::binary).write(reinterpret_cast<char*>(bytes.data()), 5000);
  EXPECT_NE(error_of([&] { cifar_dataset({(dir / "short.bin").string()}); }).find("not a whole number of 3073-byte"),
            std::string::npos);
}

TEST(Formats, ImageFolderWithPngAndJpegAndABadFile) {
  const auto root = fresh_dir("images");
  fs::create_directories(root / "cats");
  fs::create_directories(root / "dogs");
  std::vector<unsigned char> pixels(12 * 10 * 3);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<unsigned char>(i % 251);
  ASSERT_TRUE(stbi_write_png((root / "cats" / "a.png").c_str(), 12, 10, 3, pixels.data(), 36));
  ASSERT_TRUE(stbi_write_jpg((root / "dogs" / "b.jpg").c_str(), 12, 10, 3, pixels.data(), 95));
  ASSERT_TRUE(stbi_write_png((root / "dogs" / "c.PNG").c_str(), 12, 10, 3, pixels.data(), 36));
  std::ofstream((root / "dogs" / "notes.txt").string()) << "not an image";
  ImageFolder folder(root.string(), 8, 8, 3);
  EXPECT_EQ(folder.size(), 3);
  EXPECT_EQ(folder.class_names(), (std::vector<std::string>{"cats", "dogs"}));
  EXPECT_EQ(folder.get(0).input.shape(), Shape({3, 8, 8}));
  EXPECT_EQ(folder.get(2).target.item(), 1);
  const Tensor png = read_image((root / "cats" / "a.png").string(), 3);
  EXPECT_FLOAT_EQ(png.at({1, 0, 0}), 1.0f / 255.0f);  // green of pixel 0 is byte 1
  ImageFolder gray(root.string(), 10, 12, 1);
  EXPECT_EQ(gray.input_shape(), Shape({1, 10, 12}));

  std::ofstream((root / "dogs" / "broken.jpg").string()) << "this is not a jpeg";
  ImageFolder strict(root.string(), 8, 8, 3);
  const std::string message = error_of([&] { to_tensors(strict); });
  EXPECT_NE(message.find("broken.jpg"), std::string::npos) << message;
  ImageFolder lenient(root.string(), 8, 8, 3, /*skip_bad_files=*/true);
  EXPECT_EQ(lenient.size(), 3);
  EXPECT_NE(error_of([] { ImageFolder("/nonexistent/folder", 8, 8); }).find("not a folder"), std::string::npos);
}

TEST(Formats, CsvWithHeaderStringLabelsAndMalformedRows) {
  const auto dir = fresh_dir("csv");
  const auto good = (dir / "iris.csv").string();
  std::ofstream(good) << "sepal,petal,species\n5.1,1.4,setosa\n6.2,4.5,versicolor\n\n5.0,1.3,setosa\n";
  CsvOptions o;
  o.label_column = "species";
  auto d = csv_dataset(good, o);
  EXPECT_EQ(d->size(), 3);
  EXPECT_EQ(d->input_shape(), Shape({2}));
  EXPECT_EQ(d->class_names(), (std::vector<std::string>{"setosa", "versicolor"}));
  EXPECT_EQ(d->get(1).target.item(), 1);
  EXPECT_FLOAT_EQ(d->get(1).input.at({1}), 4.5f);

  const auto bad = (dir / "bad.csv").string();
  std::ofstream(bad) << "a,b,label\n1,2,0\n3,4\n5,x,1\n7,8,1\n";
  const std::string columns = error_of([&] { csv_dataset(bad); });
  EXPECT_NE(columns.find("line 3 has 2 columns, expected 3"), std::string::npos) << columns;
  std::ofstream(bad) << "a,b,label\n1,2,0\n5,x,1\n";
  const std::string number = error_of([&] { csv_dataset(bad); });
  EXPECT_NE(number.find("line 3 column 2 (b) is not a number: \"x\""), std::string::npos) << number;
  std::ofstream(bad) << "a,b,label\n1,2,0\n3,4\n5,x,1\n7,8,1\n";
  CsvOptions skip;
  skip.skip_bad_rows = true;
  EXPECT_EQ(csv_dataset(bad, skip)->size(), 2);
  EXPECT_NE(error_of([&] { csv_dataset(good, CsvOptions{"colour"}); }).find("no column \"colour\""), std::string::npos);
}

// ---------------------------------------------------------------- preprocessing
TEST(Preprocessing, NormalizerOneHotSplitsAndClassWeights) {
  Generator g(9);
  Tensor x = Tensor::normal({200, 3, 4, 4}, 0, 1, DType::f32, &g);
  x = add(mul(x, Tensor::from_vector<float>({1, 2, 3}, {1, 3, 1, 1})), Tensor::from_vector<float>({0, 5, -2}, {1, 3, 1, 1}));
  const Normalizer n = Normalizer::fit(x);
  EXPECT_NEAR(n.mean()[1], 5.0, 0.05);
  EXPECT_NEAR(n.stddev()[2], 3.0, 0.1);
  const Tensor z = n.apply(x);
  EXPECT_NEAR(mean(z, {0, 2, 3}).at({2}), 0.0, 1e-4);
  EXPECT_NEAR(std::sqrt(mean(square(z), {0, 2, 3}).at({1})), 1.0, 1e-3);
  EXPECT_EQ(rescale(Tensor::full({1}, 255), 1.0 / 255).item(), 1.0);

  EXPECT_EQ(one_hot(Tensor::from_vector<std::int64_t>({2, 0}, {2}), 3).to_vector<float>(),
            (std::vector<float>{0, 0, 1, 1, 0, 0}));
  EXPECT_THROW(one_hot(Tensor::from_vector<std::int64_t>({3}, {1}), 3), Error);

  std::vector<std::int64_t> labels(100, 0);
  for (int i = 0; i < 20; ++i) labels[i] = 1;  // unbalanced: 80 / 20
  const Tensor y = Tensor::from_vector(labels, {100});
  const auto [train, val] = stratified_split(y, 0.25, 3);
  EXPECT_EQ(val.size(), 25u);
  EXPECT_EQ(std::count_if(val.begin(), val.end(), [&](auto i) { return labels[i] == 1; }), 5);
  const auto w = class_weights(y, 2);
  EXPECT_DOUBLE_EQ(w.at(0), 100.0 / (2 * 80));
  EXPECT_DOUBLE_EQ(w.at(1), 100.0 / (2 * 20));
}

TEST(ImagePreprocessing, PresetsScaleOrderAndNormalizeAsDocumented) {
  // A uniform RGB image (51, 102, 153): every preset's value per channel is known exactly.
  Tensor image = Tensor::empty({3, 4, 6});
  const double rgb[3] = {51, 102, 153};
  for (int c = 0; c < 3; ++c) image.select(0, c).fill_(rgb[c] / 255.0);
  const std::string path = (std::filesystem::temp_directory_path() / "strata_preprocessing.png").string();
  data::write_png(path, image);
  auto channel_values = [&](const std::string& preset) {
    const Tensor x = data::ImagePreprocessing::from_preset(preset).load(path, {3, 2, 2});
    std::vector<double> v;
    for (int c = 0; c < 3; ++c) v.push_back(x.at({c, 1, 1}));
    return v;
  };
  const auto raw = channel_values("raw"), unit = channel_values("unit"), caffe = channel_values("caffe");
  const auto imagenet = channel_values("imagenet"), inception = channel_values("inception");
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(raw[c], rgb[c], 1e-3);
    EXPECT_NEAR(unit[c], rgb[c] / 255, 1e-5);
    EXPECT_NEAR(inception[c], rgb[c] / 127.5 - 1, 1e-5);
  }
  // caffe: BGR order, minus (104, 117, 123)
  EXPECT_NEAR(caffe[0], 153 - 104, 1e-3);
  EXPECT_NEAR(caffe[1], 102 - 117, 1e-3);
  EXPECT_NEAR(caffe[2], 51 - 123, 1e-3);
  // imagenet: /255, mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225)
  EXPECT_NEAR(imagenet[0], (51 / 255.0 - 0.485) / 0.229, 1e-4);
  EXPECT_NEAR(imagenet[2], (153 / 255.0 - 0.406) / 0.225, 1e-4);
  EXPECT_NE(strata::testing::error_of([] { data::ImagePreprocessing::from_preset("sepia"); }).find("unknown preset"), std::string::npos);
  std::filesystem::remove(path);
}
