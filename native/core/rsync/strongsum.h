// The strong (per-block) checksum a signature magic selects: MD4 or BLAKE2b-256. Dispatch
// happens once per call, never per byte.
#pragma once

#include <cstddef>
#include <cstdint>

#include "blake2b.h"
#include "md4.h"

namespace pf::rsync {

enum class StrongKind { Md4, Blake2 };

constexpr size_t kMaxStrongBytes = 32;

inline size_t strong_max_len(StrongKind kind) {
  return kind == StrongKind::Md4 ? kMd4DigestBytes : kBlake2bRsyncDigestBytes;
}

class StrongSum {
 public:
  void begin(StrongKind kind);
  void update(const uint8_t* p, size_t n);
  // Writes the full digest (16 or 32 bytes) to out[kMaxStrongBytes].
  void final(uint8_t out[kMaxStrongBytes]);

 private:
  StrongKind kind_ = StrongKind::Blake2;
  Md4 md4_;
  Blake2b blake2_;
};

// One-shot full digest of n bytes into out[kMaxStrongBytes].
void strong_sum(StrongKind kind, const uint8_t* p, size_t n, uint8_t out[kMaxStrongBytes]);

}  // namespace pf::rsync
