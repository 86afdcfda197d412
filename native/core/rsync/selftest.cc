#include "selftest.h"

#include <cstring>
#include <vector>

#include "blake2b.h"
#include "blake2b_x4.h"
#include "md4.h"
#include "rabinkarp.h"
#include "rollsum.h"

namespace pf::rsync {
namespace {

std::string hex(const uint8_t* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += kDigits[p[i] >> 4];
    s += kDigits[p[i] & 15];
  }
  return s;
}

const uint8_t* bytes(const char* s) { return reinterpret_cast<const uint8_t*>(s); }

struct Vector {
  const char* input;
  const char* digest;
};

// RFC 1320 appendix A.5.
constexpr Vector kMd4[] = {
    {"", "31d6cfe0d16ae931b73c59d7e0c089c0"},
    {"a", "bde52cb31de33e46245e05fbdbd6fb24"},
    {"abc", "a448017aaf21d8525fc10ae87aa6729d"},
    {"message digest", "d9130a8164549fe818874806e1c7014b"},
    {"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"},
    {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043f8582f241db351ce627e153e7f0e4"},
    {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
     "e33b4ddc9c38f2199c3e7b164fcc0536"},
};

bool check_md4(std::string* failure) {
  for (const Vector& v : kMd4) {
    uint8_t d[kMd4DigestBytes];
    md4(bytes(v.input), std::strlen(v.input), d);
    if (hex(d, sizeof d) != v.digest) {
      *failure = "MD4(\"" + std::string(v.input) + "\") = " + hex(d, sizeof d) + ", expected " + v.digest;
      return false;
    }
  }
  return true;
}

bool check_blake2b(std::string* failure) {
  uint8_t d[kBlake2bMaxDigestBytes];
  // RFC 7693 appendix A: BLAKE2b-512("abc").
  blake2b(bytes("abc"), 3, d, 64);
  const char* want512 =
      "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
      "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923";
  if (hex(d, 64) != want512) {
    *failure = "BLAKE2b-512(\"abc\") = " + hex(d, 64);
    return false;
  }
  // What rdiff 2.3.2 writes for block "ABCDEFGHIJKLMNOP" (BLAKE2b-256).
  blake2b(bytes("ABCDEFGHIJKLMNOP"), 16, d, 32);
  if (hex(d, 32) != "5dc67514d3f5b93aa5287f803a8c2bd64e319940109d1ea79784ed8352152760") {
    *failure = "BLAKE2b-256(\"ABCDEFGHIJKLMNOP\") = " + hex(d, 32);
    return false;
  }
  // Incremental == one-shot across the 128-byte block boundary.
  std::vector<uint8_t> data(1000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + 3);
  uint8_t one[32], inc[32];
  blake2b(data.data(), data.size(), one, 32);
  Blake2b b(32);
  for (size_t i = 0; i < data.size(); i += 61) b.update(data.data() + i, data.size() - i < 61 ? data.size() - i : 61);
  b.final(inc);
  if (std::memcmp(one, inc, 32) != 0) {
    *failure = "BLAKE2b incremental != one-shot";
    return false;
  }
  // Four lanes == four scalar hashes, around the 128-byte block boundaries.
  for (size_t len : {size_t{0}, size_t{1}, size_t{127}, size_t{128}, size_t{129}, size_t{200}}) {
    uint8_t lanes[4][32], scalar[32];
    const uint8_t* msg[4] = {data.data(), data.data() + 200, data.data() + 400, data.data() + 600};
    uint8_t* out[4] = {lanes[0], lanes[1], lanes[2], lanes[3]};
    blake2b_x4(msg, len, out, 32);
    for (int l = 0; l < 4; ++l) {
      blake2b(msg[l], len, scalar, 32);
      if (std::memcmp(scalar, lanes[l], 32) != 0) {
        *failure = "BLAKE2b x4 lane " + std::to_string(l) + " differs for length " + std::to_string(len);
        return false;
      }
    }
  }
  return true;
}

struct WeakVector {
  const char* input;
  uint32_t rollsum;
  uint32_t rabinkarp;
};

// rdiff 2.3.2 -b 16 records for "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij".
constexpr WeakVector kWeak[] = {
    {"ABCDEFGHIJKLMNOP", 0x35a80678u, 0x518d31a9u},
    {"QRSTUVWXYZabcdef", 0x3ea6079cu, 0x90adcf75u},
    {"ghij", 0x0546021eu, 0x5795a49bu},
};

template <class W>
bool rolls_like_recompute(const std::vector<uint8_t>& d, size_t window, uint32_t (*oneshot)(const uint8_t*, size_t)) {
  W w;
  w.update(d.data(), window);
  for (size_t p = 0; p + window < d.size(); ++p) {
    w.rotate(d[p], d[p + window]);
    if (w.digest() != oneshot(d.data() + p + 1, window)) return false;
  }
  for (size_t p = d.size() - window; p < d.size(); ++p) {  // the tail shrinks
    w.rollout(d[p]);
    if (w.digest() != oneshot(d.data() + p + 1, d.size() - p - 1)) return false;
  }
  return true;
}

bool check_weak(std::string* failure) {
  for (const WeakVector& v : kWeak) {
    size_t n = std::strlen(v.input);
    if (rollsum(bytes(v.input), n) != v.rollsum || rabinkarp(bytes(v.input), n) != v.rabinkarp) {
      *failure = std::string("weak sums of \"") + v.input + "\" differ from rdiff's";
      return false;
    }
  }
  uint8_t zeros[16] = {};
  if (rabinkarp(zeros, 16) != 0x0bb409c1u) {
    *failure = "RabinKarp of 16 zero bytes != M^16";
    return false;
  }
  std::vector<uint8_t> d(300);
  for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<uint8_t>((i * 131) ^ (i >> 3) ^ 0xa5);
  if (!rolls_like_recompute<Rollsum>(d, 37, rollsum) || !rolls_like_recompute<RabinKarp>(d, 37, rabinkarp)) {
    *failure = "rolling a weak sum differs from recomputing it";
    return false;
  }
  return true;
}

}  // namespace

Status selftest(std::string* failure) {
  bool ok = check_md4(failure) && check_blake2b(failure) && check_weak(failure);
  return ok ? Status::Ok : Status::Internal;
}

}  // namespace pf::rsync
