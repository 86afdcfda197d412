// BLAKE2b (RFC 7693), unkeyed, written from the RFC. librsync's "BLAKE2" strong sum is
// BLAKE2b with a 32-byte digest length in the parameter block (BLAKE2b-256), which differs
// from a truncated BLAKE2b-512; signature files keep the first S bytes of it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pf::rsync {

constexpr size_t kBlake2bMaxDigestBytes = 64;
constexpr size_t kBlake2bRsyncDigestBytes = 32;

class Blake2b {
 public:
  explicit Blake2b(size_t digest_len = kBlake2bRsyncDigestBytes) { init(digest_len); }
  // digest_len must be 1..64.
  void init(size_t digest_len);
  void update(const uint8_t* p, size_t n);
  // Writes digest_len bytes.
  void final(uint8_t* out);

 private:
  void compress(const uint8_t block[128], bool last);

  uint64_t h_[8];
  uint64_t t_[2];  // byte counter, 128-bit
  uint8_t buf_[128];
  size_t buf_len_;
  size_t digest_len_;
};

void blake2b(const uint8_t* p, size_t n, uint8_t* out, size_t digest_len = kBlake2bRsyncDigestBytes);

}  // namespace pf::rsync
