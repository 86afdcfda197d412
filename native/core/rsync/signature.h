// Resumable signature generator: the 12-byte header, then weak sum (u32 BE) + first S bytes
// of the strong sum for every block of the input, the last block short. Both sums are
// updated incrementally, so no block buffer is held whatever the block length.
#pragma once

#include "job.h"
#include "rabinkarp.h"
#include "rollsum.h"
#include "sigformat.h"
#include "strongsum.h"

namespace pf::rsync {

class SignatureJob {
 public:
  // params must come from resolve_sig_params (or be equally valid).
  Status begin(const SigParams& params);
  JobResult iterate(const uint8_t* in, size_t in_len, bool eof, uint8_t* out, size_t out_len);
  uint64_t blocks() const { return blocks_; }

 private:
  void absorb(const uint8_t* p, size_t n);
  size_t four_blocks(const uint8_t* p);
  void finish_block();
  void start_block();

  SigParams params_;
  WeakKind weak_kind_ = WeakKind::RabinKarp;
  Rollsum rollsum_;
  RabinKarp rabinkarp_;
  StrongSum strong_;
  uint64_t fill_ = 0;  // bytes of the current block absorbed
  uint64_t blocks_ = 0;
  bool begun_ = false;
  bool done_ = false;
  Staging staging_;
};

}  // namespace pf::rsync
