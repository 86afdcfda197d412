// Resumable delta generator with rdiff 2.3.2's exact output: scan a block-sized window,
// jump a whole block on a (weak, then strong) match, roll one byte on a miss, shrink the
// window in the tail, merge COPYs only when contiguous in the basis, cap literal runs at
// 32768 bytes, smallest integer widths. An empty signature gives rdiff's "slack" delta
// (literals of block_len bytes). Output never depends on how input/output are split.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "job.h"
#include "rabinkarp.h"
#include "rollsum.h"
#include "sigload.h"

namespace pf::rsync {

// New-file bytes [at, at + len) equal the basis bytes from basis_offset.
struct Match {
  uint64_t at;
  uint64_t basis_offset;
  uint64_t len;
};

// A scan without output, for parallel_delta: it only finds the matches, which with the
// input's length determine the whole delta. Its input starts at new-file offset `origin`.
// At or past `limit` it stops at the first window position that `joins` accepts: a
// position another scan also reached, whose matches from there on are the same.
struct ScanPlan {
  uint64_t origin = 0;
  uint64_t limit = UINT64_MAX;
  std::function<bool(uint64_t)> joins;
  std::vector<Match>* matches = nullptr;
};

class DeltaJob {
 public:
  // literal_cap: 32768 for rdiff 2.3.2, 65533 for librsync >= 2.3.3.
  Status begin(std::shared_ptr<const SignatureSet> sig, size_t literal_cap = kLiteralCap232);
  Status begin_scan(std::shared_ptr<const SignatureSet> sig, ScanPlan plan);
  JobResult iterate(const uint8_t* in, size_t in_len, bool eof, uint8_t* out, size_t out_len);
  // After a scan is done: where it stopped (the join position, or the end of its input).
  uint64_t scan_end() const { return base_ + pos_; }
  bool joined() const { return joined_; }

 private:
  template <class W>
  void scan(W& w);
  template <class W>
  bool try_match(W& w);
  template <class W>
  void miss(W& w);
  template <class W>
  void roll_misses(W& w);
  void window_strong(size_t pos, size_t len, uint8_t* sum);
  void scan_any();
  void scan_slack();
  void flush();
  void emit_literal(size_t from, size_t n);
  void emit_copy(uint64_t offset, uint64_t length);
  bool drain(Sink* sink);
  bool output_pending() const { return !staging_.empty() || body_left_ > 0; }
  size_t feed(const uint8_t* in, size_t n);
  void compact();

  std::shared_ptr<const SignatureSet> sig_;
  size_t block_len_ = 0, cap_ = kLiteralCap232, target_ = 0;
  // New-file bytes from the oldest one still needed (literal run or pending literal
  // body) to the last one received; indices are relative to buf_.
  std::vector<uint8_t> buf_;
  size_t pos_ = 0;  // next unscanned byte; the window starts here
  size_t lit_ = 0;  // start of the pending literal run
  size_t end_ = 0;  // bytes held
  bool have_win_ = false;
  bool eof_ = false;    // every input byte is in buf_
  bool ended_ = false;  // END staged
  bool done_ = false;
  bool scan_only_ = false;
  bool joined_ = false;
  ScanPlan plan_;
  uint64_t cpos_ = 0, clen_ = 0;         // pending COPY (clen_ == 0: none)
  size_t body_pos_ = 0, body_left_ = 0;  // literal data following the staged header
  Staging staging_;
  // Strong sums of the windows after a match, computed four at a time (BLAKE2b lanes):
  // in a run of matching blocks the next windows are exactly one block apart.
  struct Speculated {
    uint64_t at;  // absolute offset in the new file
    uint8_t sum[kMaxStrongBytes];
  };
  Speculated spec_[4];
  int spec_count_ = 0;
  bool streak_ = false;  // the previous window matched
  uint64_t base_ = 0;    // absolute offset of buf_[0]
  Rollsum rollsum_;
  RabinKarp rabinkarp_;
};

}  // namespace pf::rsync
