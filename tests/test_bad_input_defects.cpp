// Regression tests for the defects found under bad input and faults (issue "Nineteen defects"):
// each case crashed, gave a silently wrong result, lost a file or did unbounded work before
// its fix. The command-line halves of these cases are in tests/bad_input_cli.sh.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <zlib.h>

#include "strata/data/dataset.h"
#include "strata/data/idx.h"
#include "strata/data/image_io.h"
#include "strata/io/atomic_file.h"
#include "strata/io/json_text.h"
#include "strata/io/model_io.h"
#include "strata/io/npy.h"
#include "strata/io/tensor_file.h"
#include "strata/models/model.h"
#include "strata/nn/layers.h"
#include "strata/nn/registry.h"
#include "strata/ops/ops.h"
#include "strata/train/callbacks.h"
#include "strata/train/training.h"
#include "test_helpers.h"

using namespace strata;
using strata::testing::error_of;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / "strata_bad_input";
  fs::create_directories(dir);
  return dir / name;
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string big_endian32(std::uint32_t v) {
  return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

// An IDX header (unsigned bytes) with `dims`, followed by `data`.
std::string idx_bytes(const std::vector<std::uint32_t>& dims, const std::string& data) {
  std::string s = {0, 0, 8, char(dims.size())};
  for (auto d : dims) s += big_endian32(d);
  return s + data;
}

// Seconds fn takes; the unbounded-work cases must fail at once, not after allocating gigabytes.
double seconds_of(const std::function<void()>& fn) {
  const auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

nlohmann::json conv_config(const nlohmann::json& extra) {
  nlohmann::json c = {{"filters", 4}, {"kernel_size", {3, 3}}};
  c.update(extra);
  return {{"class_name", "Conv2D"}, {"config", c}};
}

// Lowers the file-size limit so that writes fail as on a full disk (EFBIG instead of ENOSPC:
// the same checked path), and restores it.
class FullDisk {
 public:
  explicit FullDisk(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, SIG_IGN);  // the write returns an error instead of killing the process
    rlimit r = saved_;
    r.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &r);
  }
  ~FullDisk() { setrlimit(RLIMIT_FSIZE, &saved_); }

 private:
  rlimit saved_{};
};

}  // namespace

// 1. Conv2D "groups": 0 divided by zero in compute_output_shape.
TEST(BadInputDefects, ConvGeometryIsValidatedWhereItIsRead) {
  EXPECT_NE(error_of([] { nn::layer_from_config(conv_config({{"groups", 0}})); }).find("groups must be >= 1, got 0"),
            std::string::npos);
  EXPECT_NE(error_of([] { nn::layer_from_config(conv_config({{"strides", {0, 1}}})); }).find("stride must be >= 1"),
            std::string::npos);
  EXPECT_NE(error_of([] { nn::layer_from_config(conv_config({{"dilation_rate", {1, -2}}})); }).find("dilation must be >= 1"),
            std::string::npos);
  EXPECT_NE(error_of([] { nn::layer_from_config(conv_config({{"groups", 3}})); }).find("divisible by groups"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              nn::layer_from_config({{"class_name", "MaxPooling2D"}, {"config", {{"pool_size", {0, 2}}}}});
            }).find("pool_size must be >= 1"),
            std::string::npos);
  // Groups that do not divide the input's channels: an error at build time, not a crash.
  auto conv = nn::layer_from_config(conv_config({{"groups", 2}}));
  EXPECT_NE(error_of([&] { conv->compute_output_shape({{3, 8, 8}}); }).find("multiple of groups"), std::string::npos);
}

// 2. model_from_config recursed once per nested Sequential until the stack overflowed.
TEST(BadInputDefects, DeeplyNestedModelsAreRefused) {
  nlohmann::json config = {{"class_name", "Dense"}, {"config", {{"units", 2}}}};
  for (int i = 0; i < 10000; ++i)
    config = {{"class_name", "Sequential"}, {"config", {{"layers", nlohmann::json::array({std::move(config)})}}}};
  EXPECT_NE(error_of([&] { models::model_from_config(config); }).find("nested more than 32 deep"), std::string::npos);
  // (destroying `config` here exercises nlohmann's non-recursive destructor as well)
}

// 3. The spec reader re-dumped parsed JSON; nlohmann's recursive dump overflowed on deep input.
TEST(BadInputDefects, DeepJsonIsRefusedWhileParsing) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_NE(error_of([&] { io::parse_json(deep, "model spec 'deep.json'"); }).find("model spec 'deep.json' nests deeper than"),
            std::string::npos);
  EXPECT_EQ(io::parse_json(std::string("[[1]]"), "small")[0][0], 1);
}

// 4. Element and byte counts wrapped: a Dense of 2^62 units got a 64-byte buffer.
TEST(BadInputDefects, ElementAndByteCountsAreChecked) {
  EXPECT_NE(error_of([] { shape_numel({std::int64_t{1} << 40, std::int64_t{1} << 40}); }).find("64-bit"), std::string::npos);
  EXPECT_NE(error_of([] { Tensor::empty({std::int64_t{1} << 62, 2}); }).find("64-bit"), std::string::npos);
  EXPECT_NE(error_of([] { Tensor::empty({std::int64_t{1} << 62}); }).find("more bytes than memory can address"),
            std::string::npos);
  EXPECT_NE(error_of([] { Tensor::empty({std::int64_t{1} << 50}); }).find("out of memory"), std::string::npos);
  EXPECT_NE(error_of([] {
              models::Sequential(Shape{8}, std::vector<nn::LayerPtr>{layers::Dense(std::int64_t{1} << 62)});
            }).find("64-bit"),
            std::string::npos);
}

// 7. An image 0 pixels wide (stb_image accepts a Radiance header saying so) was resized from
// before its buffer.
TEST(BadInputDefects, EmptyImagesAreRefused) {
  const auto path = scratch("empty.hdr");
  write_bytes(path, "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 0 +X 4\n");
  const std::string message = error_of([&] { data::read_image(path.string(), 1, 28, 28); });
  EXPECT_FALSE(message.empty());
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_NE(error_of([] { data::resize(Tensor::zeros({1, 0, 4}), 28, 28); }).find("empty"), std::string::npos);
}

// 8. NaN probabilities were clipped into range, so the loss stayed finite and the guard slept.
TEST(BadInputDefects, NaNReachesTheLossAndTheGuard) {
  const Tensor nan = Tensor::full({2}, std::nan(""));
  EXPECT_TRUE(std::isnan(maximum(nan, Tensor::scalar(0.5)).to_vector<float>()[0]));
  EXPECT_TRUE(std::isnan(minimum(Tensor::scalar(0.5), nan).to_vector<float>()[0]));
  const Variable p(Tensor::from_vector(std::vector<float>{NAN, NAN, 0.5f, 0.5f}, {2, 2}));
  const Variable loss = ops::categorical_crossentropy(p, Tensor::from_vector(std::vector<std::int64_t>{0, 1}, {2}));
  EXPECT_TRUE(std::isnan(loss.value().item()));
  // Training with an absurd rate: the guard stops it (on the loss or on the weights).
  manual_seed(5);
  auto model = std::make_shared<models::Sequential>(Shape{3}, std::vector<nn::LayerPtr>{layers::Dense(4, "relu"),
                                                                                       layers::Dense(2, "softmax")});
  auto trainer = train::compile(model, "sgd", "sparse_categorical_crossentropy", {"accuracy"}, 1e300);
  auto guard = std::make_shared<train::TerminateOnNaN>();
  const Tensor x = Tensor::normal({32, 3}, 0, 1);
  const Tensor y = Tensor::from_vector(std::vector<std::int64_t>(32, 1), {32});
  trainer.fit(x, y, train::FitOptions().epochs(3).batch_size(8).verbose(0).callbacks({guard}));
  EXPECT_TRUE(guard->terminated());
}

// 9. CSV cells nan/inf/1e400 were read as numbers.
TEST(BadInputDefects, NonFiniteCsvCellsAreRefused) {
  for (const std::string cell : {"nan", "-nan", "inf", "1e400"}) {
    const auto path = scratch("nonfinite.csv");
    write_bytes(path, "a,b,label\n1,2,0\n3," + cell + ",1\n");
    const std::string message = error_of([&] { data::csv_dataset(path.string()); });
    EXPECT_NE(message.find("line 3 column 2 (b) is not a finite number: \"" + cell + "\""), std::string::npos) << message;
  }
}

// 10. An IDX label outside the class range reached `predict` as "true: 200".
TEST(BadInputDefects, IdxLabelsOutsideTheClassesAreAnError) {
  const fs::path dir = scratch("idx_labels");
  fs::create_directories(dir);
  write_bytes(dir / "t10k-images-idx3-ubyte", idx_bytes({3, 2, 2}, std::string(12, '\0')));
  write_bytes(dir / "t10k-labels-idx1-ubyte", idx_bytes({3}, std::string{1, char(200), 2}));
  const std::string message = error_of([&] { data::load_fashion_mnist("test", dir.string()); });
  EXPECT_NE(message.find("t10k-labels-idx1-ubyte' record 1 has label 200; expected 0 to 9"), std::string::npos) << message;
}

// 11, 12, 18. Writers renamed a short temporary over a good file on a full disk, left
// ".name.tmp<pid>" files behind when killed, and a cleanup error could hide the write error.
TEST(BadInputDefects, FailedWritesKeepThePreviousFileAndNoTemporary) {
  const auto png = scratch("keep.png");
  data::write_png(png.string(), Tensor::full({1, 4, 4}, 0.5));
  const auto good = fs::file_size(png);
  const std::string message = error_of([&] {
    FullDisk full(64);
    data::write_png(png.string(), Tensor::uniform({3, 256, 256}, 0, 1));  // far more than 64 bytes, incompressible
  });
  EXPECT_NE(message.find("cannot write '" + png.string() + "'"), std::string::npos) << message;
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;  // the write's own reason
  EXPECT_EQ(fs::file_size(png), good);
  EXPECT_EQ(data::read_image(png.string(), 1).size(1), 4);
  EXPECT_FALSE(fs::exists(io::temporary_path_for(png.string())));

  // A writer killed mid-save leaves the one temporary of its target; the next save replaces it.
  const auto model_path = scratch("killed.strata");
  write_bytes(io::temporary_path_for(model_path.string()), "half a file");
  auto model = std::make_shared<models::Sequential>(Shape{2}, std::vector<nn::LayerPtr>{layers::Dense(1)});
  io::save_model(model_path.string(), *model);
  EXPECT_FALSE(fs::exists(io::temporary_path_for(model_path.string())));
  int temporaries = 0;
  for (const auto& e : fs::directory_iterator(model_path.parent_path()))
    temporaries += e.path().filename().string().find(".tmp") != std::string::npos;
  EXPECT_EQ(temporaries, 0);
}

// 13. `train` found an unwritable output only after the last epoch; check_writable is called first.
TEST(BadInputDefects, UnwritableOutputsAreFoundBeforeWork) {
  EXPECT_NE(error_of([] { io::check_writable("/proc/strata_no/model.strata"); }).find("/proc/strata_no/model.strata"),
            std::string::npos);
  EXPECT_NE(error_of([] { io::check_writable("/etc/hostname/model.strata"); }).find("cannot"), std::string::npos);
  const auto ok = scratch("fresh/sub/model.strata");
  io::check_writable(ok.string());
  EXPECT_TRUE(fs::is_directory(ok.parent_path()));
  EXPECT_FALSE(fs::exists(ok));
  EXPECT_FALSE(fs::exists(io::temporary_path_for(ok.string())));
}

// 14. read_npy allocated the header length a file declared (up to 4 GiB) before checking it.
TEST(BadInputDefects, NpyDeclaredSizesAreCheckedAgainstTheFile) {
  const auto path = scratch("lying.npy");
  write_bytes(path, std::string("\x93NUMPY\x02\x00", 8) + std::string("\xff\xff\xff\xf0", 4) + "{}");
  double t = seconds_of([&] { EXPECT_NE(error_of([&] { io::read_npy(path.string()); }).find("-byte header"), std::string::npos); });
  EXPECT_LT(t, 1.0);
  const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }";
  write_bytes(path, std::string("\x93NUMPY\x01\x00", 8) + std::string(1, char(header.size())) + std::string(1, '\0') + header);
  t = seconds_of([&] { EXPECT_NE(error_of([&] { io::read_npy(path.string()); }).find("truncated"), std::string::npos); });
  EXPECT_LT(t, 1.0);
  const std::string huge = "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, ), }";
  write_bytes(path, std::string("\x93NUMPY\x01\x00", 8) + std::string(1, char(huge.size())) + std::string(1, '\0') + huge);
  EXPECT_NE(error_of([&] { io::read_npy(path.string()); }).find("does not fit in 64 bits"), std::string::npos);
}

// 15. read_idx allocated what a 16-byte header declared before reading.
TEST(BadInputDefects, IdxDeclaredSizesAreCheckedBeforeAllocating) {
  const auto plain = scratch("lying.idx");
  write_bytes(plain, idx_bytes({2000, 1000, 1000}, "abc"));
  double t = seconds_of([&] {
    EXPECT_NE(error_of([&] { data::read_idx(plain.string()); }).find("expected 2000000000 bytes of the data but found 3"),
              std::string::npos);
  });
  EXPECT_LT(t, 1.0);
  const auto gz = scratch("lying.idx.gz");
  gzFile f = gzopen(gz.c_str(), "wb");
  const std::string bytes = idx_bytes({65536, 65536, 2}, "abc");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
  EXPECT_NE(error_of([&] { data::read_idx(gz.string()); }).find("more than the 4294967296 bytes"), std::string::npos);
  // A gzipped file under the bound but shorter than declared: read in chunks, "truncated".
  f = gzopen(gz.c_str(), "wb");
  const std::string small = idx_bytes({1000, 1000, 100}, "abc");
  gzwrite(f, small.data(), static_cast<unsigned>(small.size()));
  gzclose(f);
  t = seconds_of([&] { EXPECT_NE(error_of([&] { data::read_idx(gz.string()); }).find("truncated"), std::string::npos); });
  EXPECT_LT(t, 1.0);
}

// 16. A 116-byte image declaring 50,945 x 3,604 pixels was decoded (924 MB).
TEST(BadInputDefects, ImageSizeIsCheckedFromTheHeader) {
  auto u32 = big_endian32;
  std::string ihdr = "IHDR" + u32(50945) + u32(3604) + std::string{8, 0, 0, 0, 0};
  const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + u32(13) + ihdr +
                          u32(static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(ihdr.data()), 17))) +
                          u32(0) + "IEND" + u32(0xae426082);
  const auto path = scratch("huge.png");
  write_bytes(path, png);
  const double t = seconds_of([&] {
    EXPECT_NE(error_of([&] { data::read_image(path.string(), 1); }).find("is 50945x3604 pixels; images up to"),
              std::string::npos);
  });
  EXPECT_LT(t, 1.0);
}

// 17. load_model built the architecture (3 GB for Dense(10^6)) before comparing it with the file.
TEST(BadInputDefects, ModelFilesCannotDeclareMoreWeightsThanTheyHold) {
  const nlohmann::json config = {
      {"class_name", "Sequential"},
      {"config",
       {{"layers",
         {{{"class_name", "InputLayer"}, {"config", {{"shape", {784}}}}},
          {{"class_name", "Dense"}, {"config", {{"units", 1000000}, {"name", "big"}}}}}}}}};
  const auto path = scratch("lying.strata");
  io::write_tensor_file(path.string(), {}, {{"format", "strata-model"}, {"version", "1"}, {"weight_names", "[]"},
                                            {"model_config", config.dump()}});
  EXPECT_LT(fs::file_size(path), 1000u);
  const double t = seconds_of([&] {
    const std::string message = error_of([&] { io::load_model(path.string()); });
    EXPECT_NE(message.find("declares more weights than the file holds"), std::string::npos) << message;
    EXPECT_NE(message.find("'big'"), std::string::npos) << message;
  });
  EXPECT_LT(t, 1.0);
  // Outside a load nothing is bounded: the same layer builds in user code.
  auto small = std::make_shared<models::Sequential>(Shape{4}, std::vector<nn::LayerPtr>{layers::Dense(1000)});
  small->ensure_built();
  EXPECT_EQ(small->count_params(), 5000);
}

// 18. A Dense with "units": 2.5 was built with 2 units.
TEST(BadInputDefects, NonIntegerConfigValuesAreRefused) {
  const auto dense = [](const nlohmann::json& units) {
    return error_of([&] { nn::layer_from_config({{"class_name", "Dense"}, {"config", {{"units", units}}}}); });
  };
  EXPECT_NE(dense(2.5).find("expected an integer but got units = 2.5"), std::string::npos) << dense(2.5);
  EXPECT_NE(dense(true).find("must be number"), std::string::npos) << dense(true);
  EXPECT_EQ(dense(3.0), "");  // a whole number written as 3.0 is fine
  EXPECT_NE(error_of([] { nn::layer_from_config(conv_config({{"kernel_size", {3, 2.5}}})); }).find("kernel_size[1] = 2.5"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              nn::layer_from_config({{"class_name", "Dense"}, {"config", {{"units", -5}}}});
            }).find("units must be positive, got -5"),
            std::string::npos);
}
