#include "sha256_lanes.h"

#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define PF_SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))
#endif

namespace pf {
namespace {

constexpr uint32_t kInit[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

#if defined(__x86_64__)
alignas(16) constexpr uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// The SHA instructions keep the eight working variables as two vectors, ABEF and CDGH.
struct Packed {
  __m128i abef;
  __m128i cdgh;
};

PF_SHA_TARGET inline Packed pack(const Sha256State& s) {
  __m128i dcba = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.h));
  __m128i hgfe = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.h + 4));
  __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
  __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
  return {_mm_alignr_epi8(cdab, efgh, 8), _mm_blend_epi16(efgh, cdab, 0xF0)};
}

PF_SHA_TARGET inline void unpack(const Packed& p, Sha256State* s) {
  __m128i feba = _mm_shuffle_epi32(p.abef, 0x1B);
  __m128i dchg = _mm_shuffle_epi32(p.cdgh, 0xB1);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(s->h), _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(s->h + 4), _mm_alignr_epi8(dchg, feba, 8));
}

// N states over the same blocks: each group of four rounds computes its message words once,
// then runs the rounds of every state, whose dependency chains are independent.
template <int N>
PF_SHA_TARGET void blocks_n(Sha256State* const* states, const uint8_t* data, size_t blocks) {
  const __m128i byteswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  Packed st[N];
  for (int j = 0; j < N; ++j) st[j] = pack(*states[j]);
  for (size_t b = 0; b < blocks; ++b, data += 64) {
    Packed start[N];
    for (int j = 0; j < N; ++j) start[j] = st[j];
    __m128i w[4];
#pragma GCC unroll 16
    for (int g = 0; g < 16; ++g) {
      __m128i m;
      if (g < 4) {
        m = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * g)), byteswap);
      } else {
        m = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
        m = _mm_add_epi32(m, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
        m = _mm_sha256msg2_epu32(m, w[(g + 3) & 3]);
      }
      w[g & 3] = m;
      const __m128i wk = _mm_add_epi32(m, _mm_load_si128(reinterpret_cast<const __m128i*>(kRound + 4 * g)));
      const __m128i wk_high = _mm_shuffle_epi32(wk, 0x0E);
      for (int j = 0; j < N; ++j) st[j].cdgh = _mm_sha256rnds2_epu32(st[j].cdgh, st[j].abef, wk);
      for (int j = 0; j < N; ++j) st[j].abef = _mm_sha256rnds2_epu32(st[j].abef, st[j].cdgh, wk_high);
    }
    for (int j = 0; j < N; ++j) {
      st[j].abef = _mm_add_epi32(st[j].abef, start[j].abef);
      st[j].cdgh = _mm_add_epi32(st[j].cdgh, start[j].cdgh);
    }
  }
  for (int j = 0; j < N; ++j) unpack(st[j], states[j]);
}
#endif

void put_be64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}

}  // namespace

bool sha_extensions_available() {
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool ssse3 = c & (1u << 9), sse41 = c & (1u << 19);
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return ssse3 && sse41 && (b & (1u << 29));
#else
  return false;
#endif
}

void sha256_init(Sha256State* s) { std::memcpy(s->h, kInit, sizeof kInit); }

void sha256_blocks(Sha256State* const* states, int count, const uint8_t* data, size_t blocks) {
#if defined(__x86_64__)
  switch (count) {
    case 1: return blocks_n<1>(states, data, blocks);
    case 2: return blocks_n<2>(states, data, blocks);
    case 3: return blocks_n<3>(states, data, blocks);
    default: break;
  }
#endif
  (void)states, (void)count, (void)data, (void)blocks;
}

Hash sha256_finish(Sha256State s, const uint8_t* tail, uint64_t total) {
  // The tail, 0x80, zeros and the length in bits: one block, or two when the tail is 56 bytes or more.
  uint8_t last[128] = {};
  const size_t n = static_cast<size_t>(total % 64);
  if (n > 0) std::memcpy(last, tail, n);
  last[n] = 0x80;
  const size_t blocks = n < 56 ? 1 : 2;
  put_be64(last + 64 * blocks - 8, total * 8);
  Sha256State* one[] = {&s};
  sha256_blocks(one, 1, last, blocks);
  Hash out;
  for (int i = 0; i < 8; ++i) {
    out[4 * i] = static_cast<uint8_t>(s.h[i] >> 24);
    out[4 * i + 1] = static_cast<uint8_t>(s.h[i] >> 16);
    out[4 * i + 2] = static_cast<uint8_t>(s.h[i] >> 8);
    out[4 * i + 3] = static_cast<uint8_t>(s.h[i]);
  }
  return out;
}

Hash sha256(const uint8_t* data, size_t len) {
  Sha256State s;
  sha256_init(&s);
  Sha256State* one[] = {&s};
  sha256_blocks(one, 1, data, len / 64);
  return sha256_finish(s, data + len / 64 * 64, len);
}

SegmentedSha256::SegmentedSha256(uint64_t segment_size, bool keyed, const uint8_t* key, size_t key_len)
    : segment_size_(segment_size), keyed_(keyed) {
  for (Sha256State& lane : lanes_) sha256_init(&lane);
  active_[0] = &lanes_[0];
  active_[1] = &lanes_[1];
  active_[2] = &lanes_[2];
  active_count_ = keyed ? 3 : 2;
  if (!keyed) return;
  // RFC 2104: a key longer than a block is hashed first; the inner hash starts with key ^ ipad.
  uint8_t block[64] = {};
  if (key_len > sizeof block) {
    Hash k = sha256(key, key_len);
    std::memcpy(block, k.data(), k.size());
  } else if (key_len > 0) {
    std::memcpy(block, key, key_len);
  }
  uint8_t ipad[64];
  for (size_t i = 0; i < sizeof block; ++i) {
    ipad[i] = block[i] ^ 0x36;
    opad_[i] = block[i] ^ 0x5c;
  }
  Sha256State* inner[] = {&lanes_[2]};
  sha256_blocks(inner, 1, ipad, 1);
}

void SegmentedSha256::absorb(const uint8_t* data, size_t len) {
  total_ += len;
  if (tail_len_ > 0) {
    const size_t take = len < 64 - tail_len_ ? len : 64 - tail_len_;
    std::memcpy(tail_ + tail_len_, data, take);
    tail_len_ += take;
    data += take;
    len -= take;
    if (tail_len_ < 64) return;
    sha256_blocks(active_, active_count_, tail_, 1);
    tail_len_ = 0;
  }
  sha256_blocks(active_, active_count_, data, len / 64);
  tail_len_ = len % 64;
  if (tail_len_ > 0) std::memcpy(tail_, data + len - tail_len_, tail_len_);
}

void SegmentedSha256::update(const uint8_t* data, size_t len, std::vector<Hash>* completed) {
  while (len > 0) {
    const uint64_t room = segment_size_ - in_segment_;
    const size_t n = len < room ? len : static_cast<size_t>(room);
    absorb(data, n);
    data += n;
    len -= n;
    in_segment_ += n;
    if (in_segment_ == segment_size_) {
      // On the 64-byte grid: the tail is empty, and the segment's hash needs no bytes from it.
      completed->push_back(sha256_finish(lanes_[1], tail_, in_segment_));
      sha256_init(&lanes_[1]);
      in_segment_ = 0;
    }
  }
}

void SegmentedSha256::final(Hash* sha, Hash* hmac, std::vector<Hash>* last) {
  if (in_segment_ > 0) last->push_back(sha256_finish(lanes_[1], tail_, in_segment_));
  *sha = sha256_finish(lanes_[0], tail_, total_);
  if (!keyed_) return;
  const Hash inner = sha256_finish(lanes_[2], tail_, 64 + total_);
  Sha256State outer;
  sha256_init(&outer);
  Sha256State* one[] = {&outer};
  sha256_blocks(one, 1, opad_, 1);
  *hmac = sha256_finish(outer, inner.data(), 64 + inner.size());
}

}  // namespace pf
