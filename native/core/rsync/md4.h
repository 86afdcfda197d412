// MD4 (RFC 1320), written from the RFC. Node's OpenSSL 3 only offers MD4 through the legacy
// provider, so librsync-compatible signatures (magics ...36/...46) need their own.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pf::rsync {

constexpr size_t kMd4DigestBytes = 16;

class Md4 {
 public:
  Md4() { init(); }
  void init();
  void update(const uint8_t* p, size_t n);
  void final(uint8_t out[kMd4DigestBytes]);

 private:
  void compress(const uint8_t block[64]);

  uint32_t state_[4];
  uint64_t length_;  // bytes hashed so far
  uint8_t buf_[64];
  size_t buf_len_;
};

void md4(const uint8_t* p, size_t n, uint8_t out[kMd4DigestBytes]);

}  // namespace pf::rsync
