// A signature built in memory from bytes handed over piece by piece, for a caller that reads
// the file anyway (the tar writer's fast path signs each file from the bytes it archives, so
// the file is read once). Same bytes as SignatureJob driven over the whole file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "signature.h"

namespace pf::rsync {

class SignatureBuffer {
 public:
  // params must come from resolve_sig_params; Param when they are not valid. `size`: the
  // bytes expected, to size the output once (more may come; it then grows).
  Status begin(const SigParams& params, uint64_t size);
  void add(const uint8_t* p, size_t n);
  // Appends the complete signature (header and every block's record) to *into; the builder
  // is spent until the next begin (which reuses its memory).
  void finish(std::vector<uint8_t>* into);

 private:
  void run(const uint8_t* p, size_t n, bool eof);

  SignatureJob job_;
  std::vector<uint8_t> out_;  // sized ahead; out_[0..produced_) written
  size_t produced_ = 0;
};

}  // namespace pf::rsync
