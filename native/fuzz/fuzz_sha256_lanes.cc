// SegmentedSha256 (the backup digest on the SHA extensions) against a plain scalar SHA-256,
// HMAC and MD5 written from FIPS 180-4 / RFC 2104 / RFC 1321: whole stream, every segment (and
// its MD5) and the HMAC, over fuzzer-chosen data, segment sizes, keys and update splits.
//   byte 0: segment size (64 * (1 + b % 16)); byte 1: key length (bit 7 = unkeyed); byte 2:
//   split seed (bit 0: segment MD5s); then the key, then the data.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "sha256_lanes.h"

namespace {

// FIPS 180-4's constants, derived here as the standard defines them (the fractional bits of
// square and cube roots of the first primes), not copied from the code under test.
struct Constants {
  uint32_t k[64];
  uint32_t h0[8];
  Constants() {
    int found = 0;
    for (int n = 2; found < 64; ++n) {
      bool prime = true;
      for (int d = 2; d * d <= n; ++d) prime = prime && n % d != 0;
      if (!prime) continue;
      const double cube = std::cbrt(double(n)), root = std::sqrt(double(n));
      k[found] = uint32_t((cube - std::floor(cube)) * 4294967296.0);
      if (found < 8) h0[found] = uint32_t((root - std::floor(root)) * 4294967296.0);
      ++found;
    }
  }
};
const Constants kC;

uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void compress(uint32_t h[8], const uint8_t* p) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i)
    w[i] = uint32_t(p[4 * i]) << 24 | uint32_t(p[4 * i + 1]) << 16 | uint32_t(p[4 * i + 2]) << 8 | p[4 * i + 3];
  for (int i = 16; i < 64; ++i) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int i = 0; i < 64; ++i) {
    uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kC.k[i] + w[i];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
  }
  h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

pf::Hash reference(const std::vector<uint8_t>& m) {
  uint32_t h[8];
  std::memcpy(h, kC.h0, sizeof h);
  std::vector<uint8_t> p(m);
  p.push_back(0x80);
  while (p.size() % 64 != 56) p.push_back(0);
  const uint64_t bits = uint64_t(m.size()) * 8;
  for (int i = 7; i >= 0; --i) p.push_back(uint8_t(bits >> (8 * i)));
  for (size_t off = 0; off < p.size(); off += 64) compress(h, p.data() + off);
  pf::Hash out;
  for (int i = 0; i < 32; ++i) out[i] = uint8_t(h[i / 4] >> (24 - 8 * (i % 4)));
  return out;
}

pf::Hash reference_hmac(std::vector<uint8_t> key, const std::vector<uint8_t>& m) {
  if (key.size() > 64) {
    pf::Hash k = reference(key);
    key.assign(k.begin(), k.end());
  }
  key.resize(64, 0);
  std::vector<uint8_t> inner(64), outer(64);
  for (int i = 0; i < 64; ++i) inner[i] = key[i] ^ 0x36, outer[i] = key[i] ^ 0x5c;
  inner.insert(inner.end(), m.begin(), m.end());
  pf::Hash ih = reference(inner);
  outer.insert(outer.end(), ih.begin(), ih.end());
  return reference(outer);
}

pf::Md5 reference_md5(const std::vector<uint8_t>& m) {
  static const int kShift[64] = {7,  12, 17, 22, 7,  12, 17, 22, 7,  12, 17, 22, 7,  12, 17, 22, 5,  9,  14, 20, 5,  9,
                                 14, 20, 5,  9,  14, 20, 5,  9,  14, 20, 4,  11, 16, 23, 4,  11, 16, 23, 4,  11, 16, 23,
                                 4,  11, 16, 23, 6,  10, 15, 21, 6,  10, 15, 21, 6,  10, 15, 21, 6,  10, 15, 21};
  uint32_t t[64];
  for (int i = 0; i < 64; ++i) t[i] = uint32_t(std::fabs(std::sin(double(i + 1))) * 4294967296.0);
  uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  std::vector<uint8_t> p(m);
  p.push_back(0x80);
  while (p.size() % 64 != 56) p.push_back(0);
  const uint64_t bits = uint64_t(m.size()) * 8;
  for (int i = 0; i < 8; ++i) p.push_back(uint8_t(bits >> (8 * i)));
  for (size_t off = 0; off < p.size(); off += 64) {
    uint32_t x[16];
    for (int i = 0; i < 16; ++i)
      x[i] = uint32_t(p[off + 4 * i]) | uint32_t(p[off + 4 * i + 1]) << 8 | uint32_t(p[off + 4 * i + 2]) << 16 |
             uint32_t(p[off + 4 * i + 3]) << 24;
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; ++i) {
      uint32_t f;
      int g;
      if (i < 16)
        f = (b & c) | (~b & d), g = i;
      else if (i < 32)
        f = (d & b) | (~d & c), g = (5 * i + 1) % 16;
      else if (i < 48)
        f = b ^ c ^ d, g = (3 * i + 5) % 16;
      else
        f = c ^ (b | ~d), g = (7 * i) % 16;
      const uint32_t next = d;
      d = c, c = b;
      const uint32_t sum = a + f + t[i] + x[g];
      b = b + ((sum << kShift[i]) | (sum >> (32 - kShift[i])));
      a = next;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d;
  }
  pf::Md5 out;
  for (int i = 0; i < 16; ++i) out[i] = uint8_t(h[i / 4] >> (8 * (i % 4)));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!pf::sha_extensions_available() || size < 3) return 0;
  const uint64_t segment = 64 * (1 + data[0] % 16);
  const bool keyed = !(data[1] & 0x80);
  size_t key_len = data[1] & 0x7f;
  const bool with_md5 = data[2] & 1;
  uint32_t seed = data[2] | 1u;
  data += 3, size -= 3;
  if (key_len > size) key_len = size;
  std::vector<uint8_t> key(data, data + key_len);
  std::vector<uint8_t> msg(data + key_len, data + size);

  pf::SegmentedSha256 lanes(segment, keyed, key.data(), key.size(), with_md5);
  std::vector<pf::Hash> segments;
  std::vector<pf::Md5> md5s;
  for (size_t off = 0; off < msg.size();) {
    seed = seed * 1103515245u + 12345u;
    size_t n = 1 + (seed >> 8) % (3 * segment);
    if (n > msg.size() - off) n = msg.size() - off;
    // A fresh copy of exactly this piece, so ASan sees any read past it.
    std::vector<uint8_t> piece(msg.begin() + off, msg.begin() + off + n);
    lanes.update(piece.data(), piece.size(), &segments, &md5s);
    off += n;
  }
  pf::Hash sha, hmac;
  lanes.final(&sha, &hmac, &segments, &md5s);

  if (sha != reference(msg)) __builtin_trap();
  if (keyed && hmac != reference_hmac(key, msg)) __builtin_trap();
  if (segments.size() != (msg.size() + segment - 1) / segment) __builtin_trap();
  if (md5s.size() != (with_md5 ? segments.size() : 0)) __builtin_trap();
  for (size_t i = 0; i < segments.size(); ++i) {
    const size_t from = i * segment, to = from + segment < msg.size() ? from + segment : msg.size();
    const std::vector<uint8_t> piece(msg.begin() + from, msg.begin() + to);
    if (segments[i] != reference(piece)) __builtin_trap();
    if (with_md5 && md5s[i] != reference_md5(piece)) __builtin_trap();
  }
  return 0;
}
