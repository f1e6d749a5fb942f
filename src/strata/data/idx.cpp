#include "strata/data/idx.h"

#include <zlib.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "strata/tensor/math.h"

namespace strata::data {
namespace {

// gzread reads plain files too, so one reader serves both.
class GzFile {
 public:
  explicit GzFile(const std::string& path) : path_(path), file_(gzopen(path.c_str(), "rb")) {
    STRATA_CHECK(file_ != nullptr, "read_idx: cannot open '", path, "'");
  }
  ~GzFile() { gzclose(file_); }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  // Reads exactly n bytes or throws, naming what was being read.
  void read(void* out, std::size_t n, const char* what) {
    std::size_t done = 0;
    while (done < n) {
      const int got = gzread(file_, static_cast<char*>(out) + done, static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30)));
      if (got < 0) {
        int code = 0;
        const char* message = gzerror(file_, &code);
        throw Error(detail::concat("read_idx: '", path_, "' is corrupt while reading ", what, ": ", message));
      }
      STRATA_CHECK(got > 0, "read_idx: '", path_, "' is truncated: expected ", n, " bytes of ", what, " but found ", done);
      done += static_cast<std::size_t>(got);
    }
  }
  bool is_gzipped() { return gzdirect(file_) == 0; }
  bool at_end() {
    char c;
    return gzread(file_, &c, 1) == 0;
  }

 private:
  std::string path_;
  gzFile file_;
};

// 4 GiB: more than any IDX data set in use (Fashion-MNIST's training images are 47 MB).
constexpr std::int64_t kMaxGzippedIdxBytes = std::int64_t{1} << 32;

std::uint32_t big_endian(const std::array<unsigned char, 4>& b) {
  return (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) | (std::uint32_t(b[2]) << 8) | b[3];
}

}  // namespace

Tensor read_idx(const std::string& path) {
  GzFile file(path);
  std::array<unsigned char, 4> word{};
  file.read(word.data(), 4, "the magic number");
  const std::uint32_t magic = big_endian(word);
  STRATA_CHECK((magic >> 16) == 0, "read_idx: '", path, "' is not an IDX file: magic number 0x", std::hex, magic,
               " does not start with two zero bytes");
  STRATA_CHECK(((magic >> 8) & 0xff) == 0x08, "read_idx: '", path, "' has element type 0x", std::hex,
               ((magic >> 8) & 0xff), "; only unsigned bytes (0x08) are supported");
  const std::uint32_t rank = magic & 0xff;
  STRATA_CHECK(rank >= 1 && rank <= 4, "read_idx: '", path, "' declares ", rank, " dimensions; expected 1 to 4");
  Shape shape;
  for (std::uint32_t i = 0; i < rank; ++i) {
    file.read(word.data(), 4, "the dimensions");
    shape.push_back(big_endian(word));
  }
  // The header's claim is checked before anything is allocated: against the file's size for a
  // plain file (one byte per element), against a bound for a gzipped one (whose size says
  // little), and the data is then read in chunks, so a lying header cannot make us allocate
  // what the file does not hold.
  const std::int64_t declared = shape_numel(shape);
  const std::uint64_t file_size = std::filesystem::file_size(path);
  const bool gzipped = file.is_gzipped();
  const std::uint64_t data_bytes = file_size - 4 - 4 * rank;
  STRATA_CHECK(gzipped || static_cast<std::uint64_t>(declared) <= data_bytes, "read_idx: '", path,
               "' is truncated: expected ", declared, " bytes of the data but found ", data_bytes, " (header ",
               shape_str(shape), ")");
  STRATA_CHECK(!gzipped || declared <= kMaxGzippedIdxBytes, "read_idx: '", path, "' declares ", shape_str(shape),
               " (", declared, " bytes), more than the ", kMaxGzippedIdxBytes, " bytes a gzipped IDX file may hold");
  std::vector<unsigned char> bytes;
  for (std::int64_t done = 0; done < declared;) {
    const std::int64_t chunk = std::min<std::int64_t>(declared - done, std::int64_t{1} << 24);
    bytes.resize(static_cast<std::size_t>(done + chunk));
    file.read(bytes.data() + done, static_cast<std::size_t>(chunk), "the data");
    done += chunk;
  }
  STRATA_CHECK(file.at_end(), "read_idx: '", path, "' has data after the ", bytes.size(), " bytes its header ",
               shape_str(shape), " declares");
  Tensor out = Tensor::empty(shape, rank == 1 ? DType::i64 : DType::f32);
  if (rank == 1) {
    auto* p = out.data<std::int64_t>();
    for (std::size_t i = 0; i < bytes.size(); ++i) p[i] = bytes[i];
  } else {
    auto* p = out.data<float>();
    for (std::size_t i = 0; i < bytes.size(); ++i) p[i] = bytes[i];
  }
  return out;
}

LabelledImages load_fashion_mnist(const std::string& split, const std::string& dir) {
  STRATA_CHECK(split == "train" || split == "test", "load_fashion_mnist: split must be \"train\" or \"test\", got \"",
               split, "\"");
  const std::string prefix = split == "train" ? "train" : "t10k";
  auto find = [&](const std::string& stem) {
    for (const std::string& name : {stem + ".gz", stem}) {
      const auto path = std::filesystem::path(dir) / name;
      if (std::filesystem::exists(path)) return path.string();
    }
    throw Error(detail::concat("load_fashion_mnist: '", (std::filesystem::path(dir) / (stem + ".gz")).string(),
                               "' not found; install Debian's dataset-fashion-mnist package (scripts/install-deps.sh)"));
  };
  Tensor images = read_idx(find(prefix + "-images-idx3-ubyte"));
  const std::string labels_path = find(prefix + "-labels-idx1-ubyte");
  Tensor labels = read_idx(labels_path);
  STRATA_CHECK(images.dim() == 3, "load_fashion_mnist: images have shape ", shape_str(images.shape()),
               ", expected [N,28,28]");
  STRATA_CHECK(labels.dim() == 1 && labels.size(0) == images.size(0), "load_fashion_mnist: ", images.size(0),
               " images but labels have shape ", shape_str(labels.shape()));
  std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  const auto* label = labels.data<std::int64_t>();
  for (std::int64_t i = 0; i < labels.numel(); ++i)
    STRATA_CHECK(label[i] < static_cast<std::int64_t>(names.size()), "load_fashion_mnist: '", labels_path, "' record ", i,
                 " has label ", label[i], "; expected 0 to ", names.size() - 1);
  return {mul(images, 1.0 / 255.0).reshape({images.size(0), 1, images.size(1), images.size(2)}), labels, std::move(names)};
}

}  // namespace strata::data
