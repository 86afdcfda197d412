// One complete, independent compressed member of a whole input, in a malloc'd buffer that
// the caller takes ownership of (the N-API layer hands it to JS without copying).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

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
};

Member compress_member(CodecKind kind, int level, const uint8_t* in, size_t in_len);

}  // namespace pf
