// rsync-style "rollsum" weak checksum as librsync uses it (magics ...36/...37): every byte
// counts as x + 31; s1 = sum of bytes, s2 = sum of the running s1 values, both mod 2^16;
// digest = s2 << 16 | s1. Arithmetic runs in uint32_t and wraps, which keeps mod 2^16 exact.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pf::rsync {

constexpr uint32_t kRollsumCharOffset = 31;

class Rollsum {
 public:
  void reset() { count_ = s1_ = s2_ = 0; }
  // Appends n bytes to the window.
  void update(const uint8_t* p, size_t n);
  // Slides a full window by one byte: drops `out` at the front, appends `in`.
  void rotate(uint8_t out, uint8_t in) {
    s1_ += static_cast<uint32_t>(in) - out;
    s2_ += s1_ - count_ * (static_cast<uint32_t>(out) + kRollsumCharOffset);
  }
  // Drops `out` from the front; the window shrinks by one.
  void rollout(uint8_t out) {
    uint32_t v = static_cast<uint32_t>(out) + kRollsumCharOffset;
    s1_ -= v;
    s2_ -= count_ * v;
    --count_;
  }
  uint32_t digest() const { return (s2_ << 16) | (s1_ & 0xffffu); }
  uint32_t count() const { return count_; }

 private:
  uint32_t count_ = 0, s1_ = 0, s2_ = 0;
};

// One-shot digest of n bytes.
uint32_t rollsum(const uint8_t* p, size_t n);

}  // namespace pf::rsync
