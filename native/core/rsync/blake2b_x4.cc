#include "blake2b_x4.h"

#include <cstring>

#include "blake2b.h"

namespace pf::rsync {
namespace {

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PF_HAVE_X4 1

typedef uint64_t u64x4 __attribute__((vector_size(32)));

constexpr uint64_t kIv[8] = {0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull,
                             0xa54ff53a5f1d36f1ull, 0x510e527fade682d1ull, 0x9b05688c2b3e6c1full,
                             0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull};

#define PF_X4_ATTR __attribute__((target("avx2")))
#define PF_X4_FN(name) name##_avx2
#include "blake2b_x4.inc"
#undef PF_X4_ATTR
#undef PF_X4_FN
// With AVX-512VL the same code gets a native 64-bit rotate (vprorq).
#define PF_X4_ATTR __attribute__((target("avx2,avx512f,avx512vl")))
#define PF_X4_FN(name) name##_avx512
#include "blake2b_x4.inc"
#undef PF_X4_ATTR
#undef PF_X4_FN

bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}

bool cpu_has_avx512vl() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  return has;
}

#endif

}  // namespace

bool blake2b_x4_vectorized() {
#ifdef PF_HAVE_X4
  return cpu_has_avx2();
#else
  return false;
#endif
}

void blake2b_x4(const uint8_t* const msg[4], size_t len, uint8_t* const out[4], size_t digest_len) {
#ifdef PF_HAVE_X4
  if (cpu_has_avx512vl()) {
    blake2b_x4_avx512(msg, len, out, digest_len);
    return;
  }
  if (cpu_has_avx2()) {
    blake2b_x4_avx2(msg, len, out, digest_len);
    return;
  }
#endif
  for (int l = 0; l < 4; ++l) blake2b(msg[l], len, out[l], digest_len);
}

}  // namespace pf::rsync
