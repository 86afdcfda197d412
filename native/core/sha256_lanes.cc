#include "sha256_lanes.h"

#include <cstring>
#include <utility>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define PF_SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))
#endif

namespace pf {
namespace {

constexpr uint32_t kInit[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

// MD5 (RFC 1321): 64 steps per block, each turning one of a, b, c, d (in the order a, d, c, b)
// into b + rotl(a + F(b, c, d) + X[k] + T[i], s).
constexpr uint32_t kMd5Init[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
constexpr uint32_t kMd5Sine[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
constexpr int kMd5Shift[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

struct Md5Words {
  uint32_t a, b, c, d;
};

template <int I>
__attribute__((always_inline)) inline void md5_step(Md5Words& w, const uint32_t* x) {
  constexpr int round = I / 16;
  constexpr int k = round == 0 ? I : round == 1 ? (5 * I + 1) & 15 : round == 2 ? (3 * I + 5) & 15 : (7 * I) & 15;
  constexpr int shift = kMd5Shift[round][I % 4];
  // The word this step replaces, and the three it reads, rotate with I.
  uint32_t& a = I % 4 == 0 ? w.a : I % 4 == 1 ? w.d : I % 4 == 2 ? w.c : w.b;
  const uint32_t b = I % 4 == 0 ? w.b : I % 4 == 1 ? w.a : I % 4 == 2 ? w.d : w.c;
  const uint32_t c = I % 4 == 0 ? w.c : I % 4 == 1 ? w.b : I % 4 == 2 ? w.a : w.d;
  const uint32_t d = I % 4 == 0 ? w.d : I % 4 == 1 ? w.c : I % 4 == 2 ? w.b : w.a;
  const uint32_t f = round == 0   ? d ^ (b & (c ^ d))
                     : round == 1 ? c ^ (d & (b ^ c))
                     : round == 2 ? b ^ c ^ d
                                  : c ^ (b | ~d);
  const uint32_t sum = a + f + x[k] + kMd5Sine[I];
  a = b + ((sum << shift) | (sum >> (32 - shift)));
}

// Little-endian words of a block (MD5's byte order; x86 loads them as they are).
inline void md5_words(const uint8_t* p, uint32_t x[16]) {
  for (int i = 0; i < 16; ++i) {
    x[i] =
        uint32_t{p[4 * i]} | uint32_t{p[4 * i + 1]} << 8 | uint32_t{p[4 * i + 2]} << 16 | uint32_t{p[4 * i + 3]} << 24;
  }
}

template <int... I>
__attribute__((always_inline)) inline void md5_all_steps(Md5Words& w, const uint32_t* x,
                                                         std::integer_sequence<int, I...>) {
  (md5_step<I>(w, x), ...);
}

void md5_blocks(Md5State* s, const uint8_t* data, size_t blocks) {
  for (size_t b = 0; b < blocks; ++b, data += 64) {
    uint32_t x[16];
    md5_words(data, x);
    Md5Words w{s->h[0], s->h[1], s->h[2], s->h[3]};
    md5_all_steps(w, x, std::make_integer_sequence<int, 64>{});
    s->h[0] += w.a, s->h[1] += w.b, s->h[2] += w.c, s->h[3] += w.d;
  }
}

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

// Rounds 4G..4G+3 of N states over the same block: the group's message words are computed
// once, then the rounds of every state run, their dependency chains independent.
template <int G, int N>
PF_SHA_TARGET __attribute__((always_inline)) inline void sha_group(Packed* st, __m128i* w, const uint8_t* block) {
  __m128i m;
  if (G < 4) {
    const __m128i byteswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    m = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * G)), byteswap);
  } else {
    m = _mm_sha256msg1_epu32(w[G & 3], w[(G + 1) & 3]);
    m = _mm_add_epi32(m, _mm_alignr_epi8(w[(G + 3) & 3], w[(G + 2) & 3], 4));
    m = _mm_sha256msg2_epu32(m, w[(G + 3) & 3]);
  }
  w[G & 3] = m;
  const __m128i wk = _mm_add_epi32(m, _mm_load_si128(reinterpret_cast<const __m128i*>(kRound + 4 * G)));
  const __m128i wk_high = _mm_shuffle_epi32(wk, 0x0E);
  for (int j = 0; j < N; ++j) st[j].cdgh = _mm_sha256rnds2_epu32(st[j].cdgh, st[j].abef, wk);
  for (int j = 0; j < N; ++j) st[j].abef = _mm_sha256rnds2_epu32(st[j].abef, st[j].cdgh, wk_high);
}

// One block: the 16 groups of SHA rounds, with four MD5 steps around each when `md5` is
// asked for, so the out-of-order core runs the two chains side by side.
template <int N, bool Md5, int... G>
PF_SHA_TARGET __attribute__((always_inline)) inline void block_rounds(Packed* st, Md5Words& m5, const uint32_t* x,
                                                                      const uint8_t* block,
                                                                      std::integer_sequence<int, G...>) {
  __m128i w[4];
  if constexpr (Md5) {
    ((md5_step<4 * G>(m5, x), md5_step<4 * G + 1>(m5, x), sha_group<G, N>(st, w, block), md5_step<4 * G + 2>(m5, x),
      md5_step<4 * G + 3>(m5, x)),
     ...);
  } else {
    (sha_group<G, N>(st, w, block), ...);
  }
}

template <int N, bool Md5>
PF_SHA_TARGET void blocks_n(Sha256State* const* states, Md5State* md5, const uint8_t* data, size_t blocks) {
  Packed st[N];
  for (int j = 0; j < N; ++j) st[j] = pack(*states[j]);
  Md5Words m5{};
  if constexpr (Md5) m5 = {md5->h[0], md5->h[1], md5->h[2], md5->h[3]};
  for (size_t b = 0; b < blocks; ++b, data += 64) {
    Packed start[N];
    for (int j = 0; j < N; ++j) start[j] = st[j];
    uint32_t x[16];
    Md5Words m5_start = m5;
    if constexpr (Md5) md5_words(data, x);
    block_rounds<N, Md5>(st, m5, x, data, std::make_integer_sequence<int, 16>{});
    for (int j = 0; j < N; ++j) {
      st[j].abef = _mm_add_epi32(st[j].abef, start[j].abef);
      st[j].cdgh = _mm_add_epi32(st[j].cdgh, start[j].cdgh);
    }
    if constexpr (Md5) m5.a += m5_start.a, m5.b += m5_start.b, m5.c += m5_start.c, m5.d += m5_start.d;
  }
  for (int j = 0; j < N; ++j) unpack(st[j], states[j]);
  if constexpr (Md5) md5->h[0] = m5.a, md5->h[1] = m5.b, md5->h[2] = m5.c, md5->h[3] = m5.d;
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

void sha256_blocks(Sha256State* const* states, int count, const uint8_t* data, size_t blocks, Md5State* md5) {
#if defined(__x86_64__)
  switch (count * 2 + (md5 ? 1 : 0)) {
    case 2: return blocks_n<1, false>(states, md5, data, blocks);
    case 3: return blocks_n<1, true>(states, md5, data, blocks);
    case 4: return blocks_n<2, false>(states, md5, data, blocks);
    case 5: return blocks_n<2, true>(states, md5, data, blocks);
    case 6: return blocks_n<3, false>(states, md5, data, blocks);
    case 7: return blocks_n<3, true>(states, md5, data, blocks);
    default: break;
  }
#endif
  // Callers check sha_extensions_available() first: nothing else runs these.
  (void)states, (void)count, (void)data, (void)blocks, (void)md5;
}

void md5_init(Md5State* s) { std::memcpy(s->h, kMd5Init, sizeof kMd5Init); }

Md5 md5_finish(Md5State s, const uint8_t* tail, uint64_t total) {
  uint8_t last[128] = {};
  const size_t n = static_cast<size_t>(total % 64);
  if (n > 0) std::memcpy(last, tail, n);
  last[n] = 0x80;
  const size_t blocks = n < 56 ? 1 : 2;
  const uint64_t bits = total * 8;
  for (int i = 0; i < 8; ++i) last[64 * blocks - 8 + i] = static_cast<uint8_t>(bits >> (8 * i));
  md5_blocks(&s, last, blocks);
  Md5 out;
  for (int i = 0; i < 16; ++i) out[i] = static_cast<uint8_t>(s.h[i / 4] >> (8 * (i % 4)));
  return out;
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

SegmentedSha256::SegmentedSha256(uint64_t segment_size, bool keyed, const uint8_t* key, size_t key_len,
                                 bool segment_md5)
    : segment_size_(segment_size), keyed_(keyed), segment_md5_(segment_md5) {
  for (Sha256State& lane : lanes_) sha256_init(&lane);
  md5_init(&md5_);
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
    sha256_blocks(active_, active_count_, tail_, 1, segment_md5_ ? &md5_ : nullptr);
    tail_len_ = 0;
  }
  sha256_blocks(active_, active_count_, data, len / 64, segment_md5_ ? &md5_ : nullptr);
  tail_len_ = len % 64;
  if (tail_len_ > 0) std::memcpy(tail_, data + len - tail_len_, tail_len_);
}

// The segment lanes' hashes; they start again. A segment starts on the 64-byte grid, so the
// shared tail holds the segment's own last bytes.
void SegmentedSha256::close_segment(std::vector<Hash>* shas, std::vector<Md5>* md5s) {
  shas->push_back(sha256_finish(lanes_[1], tail_, in_segment_));
  sha256_init(&lanes_[1]);
  if (segment_md5_) md5s->push_back(md5_finish(md5_, tail_, in_segment_));
  md5_init(&md5_);
  in_segment_ = 0;
}

void SegmentedSha256::update(const uint8_t* data, size_t len, std::vector<Hash>* completed, std::vector<Md5>* md5s) {
  while (len > 0) {
    const uint64_t room = segment_size_ - in_segment_;
    const size_t n = len < room ? len : static_cast<size_t>(room);
    absorb(data, n);
    data += n;
    len -= n;
    in_segment_ += n;
    if (in_segment_ == segment_size_) close_segment(completed, md5s);
  }
}

void SegmentedSha256::final(Hash* sha, Hash* hmac, std::vector<Hash>* last, std::vector<Md5>* last_md5) {
  if (in_segment_ > 0) close_segment(last, last_md5);
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
