// One complete, independent compressed member of a whole input, in a malloc'd buffer that
// the caller takes ownership of (the N-API layer hands it to JS without copying).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "block_pool.h"
#include "codec.h"

namespace pf {

struct FreeDeleter {
  void operator()(uint8_t* p) const { std::free(p); }
};
using MallocBuffer = std::unique_ptr<uint8_t, FreeDeleter>;

struct Member {
  Status status = Status::Ok;
  std::string message;
  MallocBuffer data;
  size_t size = 0;
  // data is a block of member_output_pool(): give it back there rather than free it.
  bool pooled = false;
};

// Output blocks for members of kPooledMemberInput input bytes (the TS layer's block size).
constexpr size_t kPooledMemberInput = 1 << 20;
BlockPool& member_output_pool();

Member compress_member(CodecKind kind, int level, const uint8_t* in, size_t in_len);

// Room that holds the member of in_len input bytes in every format (incompressible data grows
// by less than 1/64 plus a header).
size_t member_capacity(size_t in_len);

// compress_member into the caller's out[0..out_cap): Ok with *size set, or Ok with *fits false
// when the member needs more room than that (nothing usable in out; use compress_member).
Status compress_member_into(CodecKind kind, int level, const uint8_t* in, size_t in_len, uint8_t* out, size_t out_cap,
                            size_t* size, bool* fits, std::string* message);

}  // namespace pf
