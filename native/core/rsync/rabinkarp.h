// RabinKarp weak checksum of librsync >= 2.2 (magics ...46/...47): h = 1; h = h*M + x for
// every byte, mod 2^32. digest == h. Rolling keeps M^count for the current window.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pf::rsync {

constexpr uint32_t kRabinKarpMult = 0x08104225u;
constexpr uint32_t kRabinKarpSeed = 1;
constexpr uint32_t kRabinKarpInvMult = 0x98f009adu;  // M^-1 mod 2^32
constexpr uint32_t kRabinKarpAdjust = 0x08104224u;   // (M - 1) * seed

class RabinKarp {
 public:
  void reset() {
    count_ = 0;
    hash_ = kRabinKarpSeed;
    mult_ = 1;
  }
  void update(const uint8_t* p, size_t n);
  void rotate(uint8_t out, uint8_t in) {
    hash_ = hash_ * kRabinKarpMult + in - mult_ * (static_cast<uint32_t>(out) + kRabinKarpAdjust);
  }
  void rollout(uint8_t out) {
    --count_;
    mult_ *= kRabinKarpInvMult;
    hash_ -= mult_ * (static_cast<uint32_t>(out) + kRabinKarpAdjust);
  }
  uint32_t digest() const { return hash_; }
  uint32_t count() const { return count_; }

 private:
  uint32_t count_ = 0, hash_ = kRabinKarpSeed, mult_ = 1;  // mult_ = M^count_
};

uint32_t rabinkarp(const uint8_t* p, size_t n);

}  // namespace pf::rsync
