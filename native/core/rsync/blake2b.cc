#include "blake2b.h"

#include <cstring>

namespace pf::rsync {
namespace {

constexpr uint64_t kIv[8] = {0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull,
                             0xa54ff53a5f1d36f1ull, 0x510e527fade682d1ull, 0x9b05688c2b3e6c1full,
                             0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull};

inline uint64_t rotr(uint64_t x, int s) { return (x >> s) | (x << (64 - s)); }

inline uint64_t load_le64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

}  // namespace

void Blake2b::init(size_t digest_len) {
  digest_len_ = digest_len;
  for (int i = 0; i < 8; ++i) h_[i] = kIv[i];
  // Parameter block word 0: digest length, key length 0, fanout 1, depth 1.
  h_[0] ^= 0x01010000ull ^ static_cast<uint64_t>(digest_len);
  t_[0] = t_[1] = 0;
  buf_len_ = 0;
}

// RFC 7693 section 3.2, twelve rounds. The message schedule is spelled out per round (the
// macros take literal indices) so every message word is a register, not a table lookup.
void Blake2b::compress(const uint8_t block[128], bool last) {
  uint64_t m[16], v[16];
  for (int i = 0; i < 16; ++i) m[i] = load_le64(block + 8 * i);
  for (int i = 0; i < 8; ++i) {
    v[i] = h_[i];
    v[i + 8] = kIv[i];
  }
  v[12] ^= t_[0];
  v[13] ^= t_[1];
  if (last) v[14] = ~v[14];
#define PF_G(a, b, c, d, x, y)  \
  v[a] = v[a] + v[b] + (x);     \
  v[d] = rotr(v[d] ^ v[a], 32); \
  v[c] = v[c] + v[d];           \
  v[b] = rotr(v[b] ^ v[c], 24); \
  v[a] = v[a] + v[b] + (y);     \
  v[d] = rotr(v[d] ^ v[a], 16); \
  v[c] = v[c] + v[d];           \
  v[b] = rotr(v[b] ^ v[c], 63)
#define PF_ROUND(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15) \
  PF_G(0, 4, 8, 12, m[s0], m[s1]);                                                     \
  PF_G(1, 5, 9, 13, m[s2], m[s3]);                                                     \
  PF_G(2, 6, 10, 14, m[s4], m[s5]);                                                    \
  PF_G(3, 7, 11, 15, m[s6], m[s7]);                                                    \
  PF_G(0, 5, 10, 15, m[s8], m[s9]);                                                    \
  PF_G(1, 6, 11, 12, m[s10], m[s11]);                                                  \
  PF_G(2, 7, 8, 13, m[s12], m[s13]);                                                   \
  PF_G(3, 4, 9, 14, m[s14], m[s15])
  PF_ROUND(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  PF_ROUND(14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3);
  PF_ROUND(11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4);
  PF_ROUND(7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8);
  PF_ROUND(9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13);
  PF_ROUND(2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9);
  PF_ROUND(12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11);
  PF_ROUND(13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10);
  PF_ROUND(6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5);
  PF_ROUND(10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0);
  PF_ROUND(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  PF_ROUND(14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3);
#undef PF_ROUND
#undef PF_G
  for (int i = 0; i < 8; ++i) h_[i] ^= v[i] ^ v[i + 8];
}

// The final block is compressed with the "last" flag, so a full buffer is only compressed
// once more input proves it is not the last one.
void Blake2b::update(const uint8_t* p, size_t n) {
  while (n > 0) {
    if (buf_len_ == 128) {
      t_[0] += 128;
      if (t_[0] < 128) ++t_[1];
      compress(buf_, false);
      buf_len_ = 0;
    }
    if (buf_len_ == 0) {
      for (; n > 128; p += 128, n -= 128) {
        t_[0] += 128;
        if (t_[0] < 128) ++t_[1];
        compress(p, false);
      }
    }
    size_t take = n < 128 - buf_len_ ? n : 128 - buf_len_;
    std::memcpy(buf_ + buf_len_, p, take);
    buf_len_ += take;
    p += take;
    n -= take;
  }
}

void Blake2b::final(uint8_t* out) {
  t_[0] += buf_len_;
  if (t_[0] < buf_len_) ++t_[1];
  std::memset(buf_ + buf_len_, 0, 128 - buf_len_);
  compress(buf_, true);
  for (size_t i = 0; i < digest_len_; ++i) out[i] = static_cast<uint8_t>(h_[i / 8] >> (8 * (i % 8)));
}

void blake2b(const uint8_t* p, size_t n, uint8_t* out, size_t digest_len) {
  Blake2b b(digest_len);
  b.update(p, n);
  b.final(out);
}

}  // namespace pf::rsync
