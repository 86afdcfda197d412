#include "md4.h"

#include <cstring>

namespace pf::rsync {
namespace {

inline uint32_t rotl(uint32_t x, int s) { return (x << s) | (x >> (32 - s)); }
inline uint32_t f(uint32_t x, uint32_t y, uint32_t z) { return (x & y) | (~x & z); }
inline uint32_t g(uint32_t x, uint32_t y, uint32_t z) { return (x & y) | (x & z) | (y & z); }
inline uint32_t h(uint32_t x, uint32_t y, uint32_t z) { return x ^ y ^ z; }

inline uint32_t load_le32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap32(v);
#endif
  return v;
}

inline void store_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

constexpr uint32_t kRound2 = 0x5a827999u, kRound3 = 0x6ed9eba1u;

}  // namespace

void Md4::init() {
  state_[0] = 0x67452301u;
  state_[1] = 0xefcdab89u;
  state_[2] = 0x98badcfeu;
  state_[3] = 0x10325476u;
  length_ = 0;
  buf_len_ = 0;
}

// RFC 1320 section 3.4: three rounds of sixteen operations over the block's 16 words.
void Md4::compress(const uint8_t block[64]) {
  uint32_t x[16];
  for (int i = 0; i < 16; ++i) x[i] = load_le32(block + 4 * i);
  uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
#define PF_R1(a, b, c, d, k, s) a = rotl(a + f(b, c, d) + x[k], s)
#define PF_R2(a, b, c, d, k, s) a = rotl(a + g(b, c, d) + x[k] + kRound2, s)
#define PF_R3(a, b, c, d, k, s) a = rotl(a + h(b, c, d) + x[k] + kRound3, s)
  for (int i = 0; i < 16; i += 4) {
    PF_R1(a, b, c, d, i, 3);
    PF_R1(d, a, b, c, i + 1, 7);
    PF_R1(c, d, a, b, i + 2, 11);
    PF_R1(b, c, d, a, i + 3, 19);
  }
  for (int i = 0; i < 4; ++i) {
    PF_R2(a, b, c, d, i, 3);
    PF_R2(d, a, b, c, i + 4, 5);
    PF_R2(c, d, a, b, i + 8, 9);
    PF_R2(b, c, d, a, i + 12, 13);
  }
  static const int kOrder3[4] = {0, 2, 1, 3};
  for (int j = 0; j < 4; ++j) {
    int i = kOrder3[j];
    PF_R3(a, b, c, d, i, 3);
    PF_R3(d, a, b, c, i + 8, 9);
    PF_R3(c, d, a, b, i + 4, 11);
    PF_R3(b, c, d, a, i + 12, 15);
  }
#undef PF_R1
#undef PF_R2
#undef PF_R3
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
}

void Md4::update(const uint8_t* p, size_t n) {
  length_ += n;
  if (buf_len_) {
    size_t take = n < 64 - buf_len_ ? n : 64 - buf_len_;
    std::memcpy(buf_ + buf_len_, p, take);
    buf_len_ += take;
    p += take;
    n -= take;
    if (buf_len_ < 64) return;
    compress(buf_);
    buf_len_ = 0;
  }
  for (; n >= 64; p += 64, n -= 64) compress(p);
  if (n) std::memcpy(buf_, p, n);
  buf_len_ = n;
}

// Pad with 0x80, zeros to 56 mod 64, then the bit length as a little-endian u64.
void Md4::final(uint8_t out[kMd4DigestBytes]) {
  uint64_t bits = length_ * 8;
  uint8_t pad[72] = {0x80};
  size_t pad_len = (buf_len_ < 56 ? 56 : 120) - buf_len_;
  for (int i = 0; i < 8; ++i) pad[pad_len + i] = static_cast<uint8_t>(bits >> (8 * i));
  update(pad, pad_len + 8);
  for (int i = 0; i < 4; ++i) store_le32(out + 4 * i, state_[i]);
}

void md4(const uint8_t* p, size_t n, uint8_t out[kMd4DigestBytes]) {
  Md4 m;
  m.update(p, n);
  m.final(out);
}

}  // namespace pf::rsync
