// SentencePiece behind a C interface, for loading into a link namespace of its own (see
// sentencepiece_shim.h). Built without sanitizers: a second sanitizer runtime cannot load there.
#include "sentencepiece_shim.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

char* copy_out(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p) std::memcpy(p, s.data(), s.size() + 1);
  return p;
}

int fail(const sentencepiece::util::Status& status, char** error) {
  if (error) *error = copy_out(status.ToString());
  return 1;
}

class Texts final : public sentencepiece::SentenceIterator {
 public:
  Texts(const char* const* texts, size_t count) : texts_(texts), count_(count) { read(); }
  bool done() const override { return at_ >= count_; }
  void Next() override {
    ++at_;
    read();
  }
  const std::string& value() const override { return current_; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  void read() {
    if (at_ < count_) current_ = texts_[at_];
  }
  const char* const* texts_;
  size_t count_, at_ = 0;
  std::string current_;
};

sentencepiece::SentencePieceProcessor* sp(void* p) { return static_cast<sentencepiece::SentencePieceProcessor*>(p); }

int train(const char* args, const char* const* texts, size_t count, char** model, size_t* model_size, char** error) {
  Texts it(texts, count);
  std::string proto;
  const auto status = sentencepiece::SentencePieceTrainer::Train(args, &it, &proto);
  if (!status.ok()) return fail(status, error);
  *model = static_cast<char*>(std::malloc(proto.size()));
  std::memcpy(*model, proto.data(), proto.size());
  *model_size = proto.size();
  return 0;
}

void* load(const char* model, size_t size, char** error) {
  auto* p = new sentencepiece::SentencePieceProcessor();
  const auto status = p->LoadFromSerializedProto(std::string(model, size));
  if (!status.ok()) {
    fail(status, error);
    delete p;
    return nullptr;
  }
  return p;
}

void destroy(void* p) { delete sp(p); }

int encode(void* p, const char* text, size_t size, int** ids, size_t* count, char** error) {
  std::vector<int> out;
  const auto status = sp(p)->Encode(std::string(text, size), &out);
  if (!status.ok()) return fail(status, error);
  *ids = static_cast<int*>(std::malloc(sizeof(int) * (out.size() + 1)));
  std::memcpy(*ids, out.data(), sizeof(int) * out.size());
  *count = out.size();
  return 0;
}

int encode_pieces(void* p, const char* text, size_t size, char** pieces, size_t* bytes, char** error) {
  std::vector<std::string> out;
  const auto status = sp(p)->Encode(std::string(text, size), &out);
  if (!status.ok()) return fail(status, error);
  std::string joined;
  for (const auto& piece : out) joined.append(piece).push_back('\0');
  *pieces = static_cast<char*>(std::malloc(joined.size() + 1));
  std::memcpy(*pieces, joined.data(), joined.size());
  *bytes = joined.size();
  return 0;
}

int decode(void* p, const int* ids, size_t count, char** text, size_t* size, char** error) {
  std::string out;
  const auto status = sp(p)->Decode(std::vector<int>(ids, ids + count), &out);
  if (!status.ok()) return fail(status, error);
  *text = copy_out(out);
  *size = out.size();
  return 0;
}

int piece_size(void* p) { return sp(p)->GetPieceSize(); }
int piece_to_id(void* p, const char* piece) { return sp(p)->PieceToId(piece); }
const char* id_to_piece(void* p, int id) { return sp(p)->IdToPiece(id).c_str(); }
int is_unknown(void* p, int id) { return sp(p)->IsUnknown(id) ? 1 : 0; }
int pad_id(void* p) { return sp(p)->pad_id(); }
int unk_id(void* p) { return sp(p)->unk_id(); }
void free_buffer(void* b) { std::free(b); }

const StrataSpmApi api = {train,      load,        destroy,    encode, encode_pieces, decode, piece_size, piece_to_id,
                          id_to_piece, is_unknown, pad_id,     unk_id, free_buffer};

}  // namespace

extern "C" __attribute__((visibility("default"))) const StrataSpmApi* strata_spm_api(void) { return &api; }
