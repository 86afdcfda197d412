#include "rabinkarp.h"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace pf::rsync {
namespace {

// kPow[i] = M^i mod 2^32, i = 0..16.
struct Powers {
  uint32_t v[17];
  constexpr Powers() : v() {
    v[0] = 1;
    for (int i = 1; i <= 16; ++i) v[i] = v[i - 1] * kRabinKarpMult;
  }
};
constexpr Powers kPow;

uint32_t pow_mult(uint64_t n) {
  uint32_t r = 1, b = kRabinKarpMult;
  for (; n; n >>= 1, b *= b) {
    if (n & 1) r *= b;
  }
  return r;
}

// h*M^16 + sum x[i]*M^(15-i): sixteen independent multiplies instead of a serial chain.
inline uint32_t step16(uint32_t h, const uint8_t* x) {
  uint32_t a = 0, b = 0, c = 0, d = 0;
  for (int i = 0; i < 16; i += 4) {
    a += x[i] * kPow.v[15 - i];
    b += x[i + 1] * kPow.v[14 - i];
    c += x[i + 2] * kPow.v[13 - i];
    d += x[i + 3] * kPow.v[12 - i];
  }
  return h * kPow.v[16] + (a + b) + (c + d);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PF_RK_AVX2 1
// v[i] = M^(31 - i): the weight of accumulator lane i (= 8k + j) at the end of a run.
struct LaneWeights {
  uint32_t v[32];
  constexpr LaneWeights() : v() {
    uint32_t w = 1;
    for (int i = 31; i >= 0; --i) {
      v[i] = w;
      w *= kRabinKarpMult;
    }
  }
};
constexpr LaneWeights kLaneWeight;

// h after n (a multiple of 32) more bytes. Four 8-lane accumulators: lane j of accumulator
// k collects the bytes at 32t + 8k + j with weight (M^32)^(steps left), so each step is a
// multiply-add per lane; the lanes are weighted by M^(31 - 8k - j) at the end.
__attribute__((target("avx2"))) uint32_t bulk32_avx2(uint32_t h, const uint8_t* p, size_t n) {
  const __m256i step = _mm256_set1_epi32(static_cast<int>(pow_mult(32)));
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i < n; i += 32) {
    const __m128i* q = reinterpret_cast<const __m128i*>(p + i);
    __m128i lo = _mm_loadu_si128(q), hi = _mm_loadu_si128(q + 1);
    a0 = _mm256_add_epi32(_mm256_mullo_epi32(a0, step), _mm256_cvtepu8_epi32(lo));
    a1 = _mm256_add_epi32(_mm256_mullo_epi32(a1, step), _mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8)));
    a2 = _mm256_add_epi32(_mm256_mullo_epi32(a2, step), _mm256_cvtepu8_epi32(hi));
    a3 = _mm256_add_epi32(_mm256_mullo_epi32(a3, step), _mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8)));
  }
  alignas(32) uint32_t lanes[32];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), a0);
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes + 8), a1);
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes + 16), a2);
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes + 24), a3);
  uint32_t sum = 0;
  for (int i = 0; i < 32; ++i) sum += lanes[i] * kLaneWeight.v[i];
  return h * pow_mult(n) + sum;
}

bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

}  // namespace

void RabinKarp::update(const uint8_t* p, size_t n) {
  uint32_t h = hash_;
  size_t i = 0;
#ifdef PF_RK_AVX2
  if (n >= 256 && cpu_has_avx2()) {
    i = n & ~size_t{31};
    h = bulk32_avx2(h, p, i);
  }
#endif
  for (; i + 16 <= n; i += 16) h = step16(h, p + i);
  for (; i < n; ++i) h = h * kRabinKarpMult + p[i];
  hash_ = h;
  mult_ *= pow_mult(n);
  count_ += static_cast<uint32_t>(n);
}

uint32_t rabinkarp(const uint8_t* p, size_t n) {
  RabinKarp r;
  r.update(p, n);
  return r.digest();
}

}  // namespace pf::rsync
