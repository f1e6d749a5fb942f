#include "strata/text/tokenizer.h"

#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "sentencepiece_shim/sentencepiece_shim.h"
#include "strata/io/atomic_file.h"
#include "strata/tensor/error.h"

namespace strata::text {
namespace {

// The shim, loaded once into a new link namespace so its libsentencepiece (and the protobuf
// inside it) never meets the process's own protobuf.
const StrataSpmApi& spm() {
  static const StrataSpmApi* api = [] {
    const char* env = std::getenv("STRATA_SENTENCEPIECE_SHIM");
    const std::string path = env && *env ? env : STRATA_SENTENCEPIECE_SHIM;
    void* handle = dlmopen(LM_ID_NEWLM, path.c_str(), RTLD_NOW | RTLD_LOCAL);
    STRATA_CHECK(handle, "Tokenizer: cannot load the SentencePiece shim '", path, "': ", dlerror(),
                 " (build it with scripts/build.sh, or set STRATA_SENTENCEPIECE_SHIM to its path)");
    const auto entry = reinterpret_cast<const StrataSpmApi* (*)()>(dlsym(handle, "strata_spm_api"));
    STRATA_CHECK(entry, "Tokenizer: '", path, "' is not the SentencePiece shim (no strata_spm_api)");
    return entry();
  }();
  return *api;
}

// Throws with the shim's message (freeing it) when `rc` is a failure.
void check_spm(int rc, char* error, const std::string& what) {
  if (rc == 0) return;
  const std::string message = error ? error : "unknown error";
  spm().free_buffer(error);
  throw Error(detail::concat("Tokenizer: ", what, ": ", message));
}

// A buffer the shim allocated, freed by the shim.
template <class T>
struct ShimBuffer {
  T* data = nullptr;
  ~ShimBuffer() { spm().free_buffer(data); }
};

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

}  // namespace

std::string normalize_whitespace(const std::string& text) {
  std::string out;
  bool space = false;
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

Tokenizer::Tokenizer(std::shared_ptr<void> processor, std::string proto)
    : sp_(std::move(processor)), proto_(std::move(proto)) {
  // SentencePiece puts the user-defined symbols right after padding and <unk>; the file does
  // not mark them otherwise through this API, so they are the run of bracketed pieces there.
  const auto bracketed = [&](int id) {
    const std::string p = spm().id_to_piece(sp_.get(), id);
    return p.size() >= 3 && p.front() == '[' && p.back() == ']';
  };
  while (2 + special_count_ < vocabulary_size() && bracketed(static_cast<int>(2 + special_count_))) ++special_count_;
}

bool Tokenizer::is_special(std::int64_t id) const { return id >= 2 && id < 2 + special_count_; }

Tokenizer Tokenizer::train(const std::vector<std::string>& texts, const TokenizerOptions& o) {
  STRATA_CHECK(o.model_type_ == "unigram" || o.model_type_ == "bpe", "Tokenizer: model_type must be \"unigram\" or \"bpe\", got \"",
               o.model_type_, "\"");
  const auto specials = static_cast<std::int64_t>(o.special_tokens_.size());
  STRATA_CHECK(o.vocab_size_ > specials + 2, "Tokenizer: vocab_size ", o.vocab_size_, " leaves no room for pieces beside ",
               specials + 2, " special tokens");
  for (const auto& s : o.special_tokens_)
    STRATA_CHECK(!s.empty() && s.find(',') == std::string::npos && s.find(' ') == std::string::npos,
                 "Tokenizer: special tokens must be non-empty without commas or spaces, got \"", s, "\"");
  STRATA_CHECK(std::any_of(texts.begin(), texts.end(), [](const std::string& t) { return !normalize_whitespace(t).empty(); }),
               "Tokenizer: no text to train on (", texts.size(), " texts, all empty)");
  std::ostringstream args;
  args << "--model_type=" << o.model_type_ << " --vocab_size=" << o.vocab_size_
       << " --character_coverage=" << o.character_coverage_ << " --pad_id=" << pad_id << " --unk_id=" << unknown_id
       << " --bos_id=-1 --eos_id=-1 --pad_piece=[PAD] --hard_vocab_limit=" << (o.hard_vocab_limit_ ? "true" : "false")
       << " --num_threads=2 --minloglevel=2 --max_sentence_length=16384";
  if (!o.special_tokens_.empty()) args << " --user_defined_symbols=" << joined(o.special_tokens_);
  std::vector<std::string> normalized;
  for (const auto& t : texts)
    if (auto n = normalize_whitespace(t); !n.empty()) normalized.push_back(std::move(n));
  std::vector<const char*> pointers;
  for (const auto& t : normalized) pointers.push_back(t.c_str());
  ShimBuffer<char> model;
  std::size_t size = 0;
  char* error = nullptr;
  check_spm(spm().train(args.str().c_str(), pointers.data(), pointers.size(), &model.data, &size, &error), error,
            "SentencePiece training failed");
  const std::string proto(model.data, size);
  return from_serialized(proto, "the trained model");
}

Tokenizer Tokenizer::from_serialized(const std::string& model_proto, const std::string& source) {
  char* error = nullptr;
  void* raw = spm().load(model_proto.data(), model_proto.size(), &error);
  check_spm(raw ? 0 : 1, error, source + " is not a SentencePiece model");
  std::shared_ptr<void> processor(raw, [](void* p) { spm().destroy(p); });
  const int pad = spm().pad_id(raw), unk = spm().unk_id(raw);
  STRATA_CHECK(pad == pad_id && unk == unknown_id, "Tokenizer: ", source, " has padding id ", pad, " and unknown id ", unk,
               " but Strata expects ", pad_id, " and ", unknown_id, " (padding 0 is what Embedding(mask_zero) masks)");
  return Tokenizer(std::move(processor), model_proto);
}

Tokenizer Tokenizer::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in.good(), "Tokenizer: cannot open '", path, "'");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return from_serialized(bytes.str(), "'" + path + "'");
}

void Tokenizer::save(const std::string& path) const { io::write_file_atomically(path, proto_); }

std::int64_t Tokenizer::vocabulary_size() const { return spm().piece_size(sp_.get()); }

std::int64_t Tokenizer::token_id(const std::string& piece) const {
  const int id = spm().piece_to_id(sp_.get(), piece.c_str());
  STRATA_CHECK(!spm().is_unknown(sp_.get(), id) || piece == "<unk>", "Tokenizer: no token \"", piece, "\" in the vocabulary");
  return id;
}

std::string Tokenizer::piece(std::int64_t id) const {
  STRATA_CHECK(id >= 0 && id < vocabulary_size(), "Tokenizer: id ", id, " is outside the vocabulary [0, ",
               vocabulary_size(), ")");
  return spm().id_to_piece(sp_.get(), static_cast<int>(id));
}

std::vector<std::int64_t> Tokenizer::encode(const std::string& text) const {
  const std::string normalized = normalize_whitespace(text);
  ShimBuffer<int> ids;
  std::size_t count = 0;
  char* error = nullptr;
  check_spm(spm().encode(sp_.get(), normalized.data(), normalized.size(), &ids.data, &count, &error), error,
            "cannot encode the text");
  return {ids.data, ids.data + count};
}

std::vector<std::string> Tokenizer::encode_pieces(const std::string& text) const {
  const std::string normalized = normalize_whitespace(text);
  ShimBuffer<char> joined;
  std::size_t bytes = 0;
  char* error = nullptr;
  check_spm(spm().encode_pieces(sp_.get(), normalized.data(), normalized.size(), &joined.data, &bytes, &error), error,
            "cannot encode the text");
  std::vector<std::string> pieces;
  for (std::size_t at = 0; at < bytes;) {
    pieces.emplace_back(joined.data + at);
    at += pieces.back().size() + 1;
  }
  return pieces;
}

std::string Tokenizer::decode(const std::vector<std::int64_t>& ids) const {
  std::vector<int> kept;
  for (const auto id : ids) {
    piece(id);  // validates
    if (id != pad_id && !is_special(id)) kept.push_back(static_cast<int>(id));
  }
  ShimBuffer<char> text;
  std::size_t size = 0;
  char* error = nullptr;
  check_spm(spm().decode(sp_.get(), kept.data(), kept.size(), &text.data, &size, &error), error, "cannot decode");
  return std::string(text.data, size);
}

Tensor Tokenizer::encode_batch(const std::vector<std::string>& texts, std::int64_t length, bool add_cls,
                               bool add_sep) const {
  const std::int64_t reserved = (add_cls ? 1 : 0) + (add_sep ? 1 : 0);
  STRATA_CHECK(length > reserved, "Tokenizer: length ", length, " leaves no room for text beside ", reserved,
               " special tokens");
  Tensor out = Tensor::zeros({static_cast<std::int64_t>(texts.size()), length});
  float* p = out.data<float>();
  const auto cls = static_cast<float>(add_cls ? cls_id() : 0), sep = static_cast<float>(add_sep ? sep_id() : 0);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    float* row = p + static_cast<std::int64_t>(i) * length;
    std::int64_t t = 0;
    if (add_cls) row[t++] = cls;
    for (const auto id : encode(texts[i])) {
      if (t >= length - (add_sep ? 1 : 0)) break;
      row[t++] = static_cast<float>(id);
    }
    if (add_sep) row[t] = sep;
  }
  return out;
}

}  // namespace strata::text
