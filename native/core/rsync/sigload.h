// A loaded signature: its parameters, every block's strong sum, and a flat open-addressing
// hash table keyed by weak sum (linear probing, load <= 1/2) with a one-bit-per-bucket
// filter in front. Blocks are inserted in file order and an exact duplicate (same weak
// sum and same S strong bytes) is skipped, so the earliest block always wins, as in
// librsync 2.3.2. Immutable after load: safe to share between threads.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "sigformat.h"

namespace pf::rsync {

class SignatureSet {
 public:
  // Parses a whole signature file. BadMagic, Corrupt or Param for a bad header (see
  // decode_sig_header), Truncated when it is shorter than the header or ends inside a
  // record; *why then says what and at which offset.
  static Status load(const uint8_t* data, size_t len, std::unique_ptr<SignatureSet>* out, std::string* why);

  const SigParams& params() const { return params_; }
  StrongKind strong_kind() const { return magic_strong(params_.magic); }
  WeakKind weak_kind() const { return magic_weak(params_.magic); }
  uint64_t block_count() const { return block_count_; }

  // Cheap pre-test: false means no block has this weak sum.
  bool maybe(uint32_t weak) const {
    uint64_t h = mix(weak);
    uint64_t bit = h >> filter_shift_;
    return (filter_[bit >> 6] >> (bit & 63)) & 1;
  }

  // Index of the block whose weak sum and strong sum prefix match, or -1. `strong` is
  // called at most once, only if some block has this weak sum, to fill a buffer of
  // kMaxStrongBytes with the window's strong sum.
  template <class StrongFn>
  int64_t find(uint32_t weak, StrongFn&& strong) const {
    uint8_t sum[kMaxStrongBytes];
    bool have = false;
    for (uint64_t i = mix(weak) >> slot_shift_;; i = (i + 1) & slot_mask_) {
      const Slot& s = slots_[i];
      if (s.block_plus1 == 0) return -1;
      if (s.weak != weak) continue;
      if (!have) {
        strong(sum);
        have = true;
      }
      if (std::memcmp(sum, strong_of(s.block_plus1 - 1), params_.strong_len) == 0) return s.block_plus1 - 1;
    }
  }

 private:
  struct Slot {
    uint32_t weak;
    uint32_t block_plus1;  // 0 = empty
  };

  static uint64_t mix(uint32_t weak) { return static_cast<uint64_t>(weak) * 0x9e3779b97f4a7c15ull; }
  const uint8_t* strong_of(uint64_t block) const { return strong_.data() + block * params_.strong_len; }
  void build_table();
  void insert(uint32_t weak, uint32_t block);

  SigParams params_;
  uint64_t block_count_ = 0;
  std::vector<uint32_t> weak_;   // per block, file order
  std::vector<uint8_t> strong_;  // per block, strong_len bytes each
  std::vector<Slot> slots_;
  std::vector<uint64_t> filter_;
  uint64_t slot_mask_ = 0;
  unsigned slot_shift_ = 64, filter_shift_ = 64;
};

}  // namespace pf::rsync
