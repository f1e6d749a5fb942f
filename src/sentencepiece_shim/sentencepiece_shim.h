// The C interface of the SentencePiece shim (sentencepiece_shim.cpp), a shared library that
// text/tokenizer.cpp loads with dlmopen into a link namespace of its own. Why: Debian's
// libsentencepiece carries and exports its own copy of protobuf-lite 3.14, and the process
// already holds protobuf 3.21 for ONNX; in one namespace the two copies' symbols collide and
// protobuf aborts on its version check. Only plain C types cross the boundary, and memory the
// shim allocates is freed by the shim (each namespace has its own allocator).
#pragma once

#include <stddef.h>

extern "C" {

struct StrataSpmApi {
  // Each returns 0 on success; on failure *error is a message to free with free_buffer.
  int (*train)(const char* args, const char* const* texts, size_t count, char** model, size_t* model_size, char** error);
  void* (*load)(const char* model, size_t size, char** error);
  void (*destroy)(void* processor);
  int (*encode)(void* processor, const char* text, size_t size, int** ids, size_t* count, char** error);
  // The pieces, each followed by a 0 byte.
  int (*encode_pieces)(void* processor, const char* text, size_t size, char** pieces, size_t* bytes, char** error);
  int (*decode)(void* processor, const int* ids, size_t count, char** text, size_t* size, char** error);
  int (*piece_size)(void* processor);
  int (*piece_to_id)(void* processor, const char* piece);
  // Into the processor's own storage; valid while it lives.
  const char* (*id_to_piece)(void* processor, int id);
  int (*is_unknown)(void* processor, int id);
  int (*pad_id)(void* processor);
  int (*unk_id)(void* processor);
  void (*free_buffer)(void* buffer);
};

// The one exported symbol.
const StrataSpmApi* strata_spm_api(void);
}
