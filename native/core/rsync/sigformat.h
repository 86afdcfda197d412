// librsync 2.3.2 file-format constants and rules: the four signature magics, the delta
// magic, the 12-byte signature header, big-endian integers, rdiff's default block and
// strong-sum lengths (rs_sig_args) and the smallest-width integer encoding of commands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "../status.h"
#include "strongsum.h"

namespace pf::rsync {

constexpr uint32_t kDeltaMagic = 0x72730236u;
constexpr uint32_t kMagicRsMd4 = 0x72730136u;     // rollsum + MD4
constexpr uint32_t kMagicRsBlake2 = 0x72730137u;  // rollsum + BLAKE2b-256
constexpr uint32_t kMagicRkMd4 = 0x72730146u;     // RabinKarp + MD4
constexpr uint32_t kMagicRkBlake2 = 0x72730147u;  // RabinKarp + BLAKE2b-256 (rdiff default)

constexpr size_t kSigHeaderBytes = 12;
constexpr uint32_t kMaxBlockLen = 1u << 30;      // ours; rdiff's CLI stops at 2^31 - 1
constexpr uint32_t kUnknownSizeBlockLen = 2048;  // rdiff on a pipe
constexpr uint32_t kSmallFileBlockLen = 256;     // files <= 64 KiB
constexpr size_t kLiteralCap232 = 32768;         // rdiff 2.3.2 literal-run cap

enum class WeakKind { Rollsum, RabinKarp };

struct SigParams {
  uint32_t magic = kMagicRkBlake2;
  uint32_t block_len = 0;
  uint32_t strong_len = 0;
};

bool magic_known(uint32_t magic);
inline WeakKind magic_weak(uint32_t magic) {
  return (magic & 0xf0u) == 0x30u ? WeakKind::Rollsum : WeakKind::RabinKarp;
}
inline StrongKind magic_strong(uint32_t magic) {
  return (magic & 0x0fu) == 0x06u ? StrongKind::Md4 : StrongKind::Blake2;
}
inline size_t magic_max_strong(uint32_t magic) { return strong_max_len(magic_strong(magic)); }
// "rs-md4" | "rs-blake2" | "rk-md4" | "rk-blake2"  <->  magic; false / nullptr when unknown.
bool magic_from_name(const std::string& name, uint32_t* magic);
const char* magic_name(uint32_t magic);

// rs_sig_args: size < 0 means unknown (a pipe). block_len 0 = recommended; strong_len
// 0 = the magic's maximum, -1 = the minimum for this size. Fails with Param (and a reason)
// on an unknown magic, block length outside 1..kMaxBlockLen or strong length above max.
Status resolve_sig_params(int64_t size, uint32_t magic, int64_t block_len, int64_t strong_len, SigParams* out,
                          std::string* why);
uint32_t recommended_block_len(int64_t size);
uint32_t minimum_strong_len(int64_t size, uint32_t block_len);

void encode_sig_header(const SigParams& p, uint8_t out[kSigHeaderBytes]);
// Checks a header as rdiff does: BadMagic, Corrupt (block length 0, strong length > 32),
// Param (strong length above the magic's maximum or block length above ours). A stored
// strong length of 0 means the magic's maximum (librsync quirk).
Status decode_sig_header(const uint8_t in[kSigHeaderBytes], SigParams* out, std::string* why);

inline uint32_t load_be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 |
         p[3];
}
inline void store_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
// Big-endian integer of width w (1, 2, 4 or 8).
uint64_t load_be(const uint8_t* p, size_t w);
void store_be(uint8_t* p, uint64_t v, size_t w);
// Smallest of 1/2/4/8 bytes that holds v.
size_t int_width(uint64_t v);
// "0x72730147"
std::string hex32(uint32_t v);

}  // namespace pf::rsync
