#include "rollsum.h"

namespace pf::rsync {

void Rollsum::update(const uint8_t* p, size_t n) {
  uint32_t s1 = s1_, s2 = s2_;
  size_t i = 0;
  // Four bytes per step: s2 gains 4*s1 plus the weighted new bytes; raw bytes first, the
  // +31 offsets are added in bulk at the end.
  for (; i + 4 <= n; i += 4) {
    uint32_t a = p[i], b = p[i + 1], c = p[i + 2], d = p[i + 3];
    s2 += 4 * s1 + 4 * a + 3 * b + 2 * c + d;
    s1 += a + b + c + d;
  }
  for (; i < n; ++i) {
    s1 += p[i];
    s2 += s1;
  }
  // The +31 of new byte k (1-based) appears in s1 once and in s2 (n - k + 1) times.
  uint64_t m = n;
  s1 += static_cast<uint32_t>(m * kRollsumCharOffset);
  s2 += static_cast<uint32_t>(((m * (m + 1)) / 2) * kRollsumCharOffset);
  s1_ = s1;
  s2_ = s2;
  count_ += static_cast<uint32_t>(n);
}

uint32_t rollsum(const uint8_t* p, size_t n) {
  Rollsum r;
  r.update(p, n);
  return r.digest();
}

}  // namespace pf::rsync
