// The IDX reader on files written here (good, gzipped, corrupt) and on the installed
// Fashion-MNIST when present; the classification report on a hand-checked case.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "strata/data/idx.h"
#include "strata/metrics/classification.h"

using namespace strata;
namespace fs = std::filesystem;

namespace {
std::vector<unsigned char> idx_bytes(std::uint32_t magic, const std::vector<std::uint32_t>& dims, std::size_t payload) {
  std::vector<unsigned char> b;
  auto put = [&](std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(v >> s));
  };
  put(magic);
  for (auto d : dims) put(d);
  for (std::size_t i = 0; i < payload; ++i) b.push_back(static_cast<unsigned char>(i * 7));
  return b;
}

std::string write_file(const std::string& name, const std::vector<unsigned char>& bytes, bool gzip = false) {
  const auto path = (fs::temp_directory_path() / ("strata_test_" + name)).string();
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
  } else {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  return path;
}

std::string error_of(const std::string& path) {
  try {
    data::read_idx(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Idx, ReadsImagesAndLabelsPlainAndGzipped) {
  const Tensor images = data::read_idx(write_file("images.idx", idx_bytes(0x803, {2, 3, 4}, 24)));
  EXPECT_EQ(images.shape(), Shape({2, 3, 4}));
  EXPECT_EQ(images.dtype(), DType::f32);
  EXPECT_DOUBLE_EQ(images.at({1, 2, 3}), (23 * 7) % 256);
  const Tensor labels = data::read_idx(write_file("labels.idx.gz", idx_bytes(0x801, {5}, 5), true));
  EXPECT_EQ(labels.dtype(), DType::i64);
  EXPECT_EQ(labels.to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 7, 14, 21, 28}));
}

TEST(Idx, BadFilesNameTheFileAndTheProblem) {
  const auto truncated = write_file("truncated.idx", idx_bytes(0x803, {2, 3, 4}, 20));
  EXPECT_NE(error_of(truncated).find("truncated: expected 24 bytes of the data but found 20"), std::string::npos)
      << error_of(truncated);
  EXPECT_NE(error_of(truncated).find(truncated), std::string::npos);
  const auto magic = write_file("magic.idx", idx_bytes(0x12340803, {1}, 1));
  EXPECT_NE(error_of(magic).find("not an IDX file"), std::string::npos) << error_of(magic);
  const auto floats = write_file("floats.idx", idx_bytes(0x0d01, {1}, 4));
  EXPECT_NE(error_of(floats).find("only unsigned bytes"), std::string::npos) << error_of(floats);
  const auto trailing = write_file("trailing.idx.gz", idx_bytes(0x801, {2}, 3), true);
  EXPECT_NE(error_of(trailing).find("has data after"), std::string::npos) << error_of(trailing);
  EXPECT_NE(error_of("/nonexistent/x.idx").find("cannot open '/nonexistent/x.idx'"), std::string::npos);
}

TEST(Idx, FashionMnistFromDebianPackage) {
  if (!fs::exists(std::string(data::kFashionMnistDir) + "/t10k-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const auto test = data::load_fashion_mnist("test");
  EXPECT_EQ(test.images.shape(), Shape({10000, 1, 28, 28}));
  EXPECT_EQ(test.labels.shape(), Shape({10000}));
  EXPECT_EQ(test.class_names.size(), 10u);
  EXPECT_EQ(test.labels.to_vector<std::int64_t>()[0], 9);  // the first test image is an ankle boot
  EXPECT_THROW(data::load_fashion_mnist("validation"), Error);
}

TEST(ClassificationReport, HandCheckedCase) {
  // true:  0 0 0 1 1 2 ; predicted: 0 0 1 1 2 2  (class 2 predicted twice, right once)
  const Tensor t = Tensor::from_vector<std::int64_t>({0, 0, 0, 1, 1, 2}, {6});
  const Tensor p = Tensor::from_vector<std::int64_t>({0, 0, 1, 1, 2, 2}, {6});
  const auto r = metrics::classification_report(t, p, 4);  // class 3: absent and never predicted
  EXPECT_DOUBLE_EQ(r.accuracy, 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(r.per_class[0].precision, 1.0);
  EXPECT_DOUBLE_EQ(r.per_class[0].recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.per_class[1].precision, 0.5);
  EXPECT_DOUBLE_EQ(r.per_class[2].f1, 2 * 0.5 * 1.0 / 1.5);
  EXPECT_DOUBLE_EQ(r.per_class[3].precision, 0.0);
  EXPECT_EQ(r.per_class[3].support, 0);
  EXPECT_EQ(r.confusion[1][2], 1);
  EXPECT_DOUBLE_EQ(r.weighted_avg.recall, (3 * (2.0 / 3) + 2 * 0.5 + 1 * 1.0) / 6);
  const std::string text = r.to_string({"a", "b", "c", "d"});
  EXPECT_NE(text.find("macro avg"), std::string::npos);
  EXPECT_NE(text.find("confusion matrix"), std::string::npos);
}
