#include "rabinkarp.h"

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

}  // namespace

void RabinKarp::update(const uint8_t* p, size_t n) {
  uint32_t h = hash_;
  size_t i = 0;
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
