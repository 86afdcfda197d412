#include "sigformat.h"

namespace pf::rsync {
namespace {

struct MagicName {
  uint32_t magic;
  const char* name;
};
constexpr MagicName kMagics[] = {
    {kMagicRsMd4, "rs-md4"}, {kMagicRsBlake2, "rs-blake2"}, {kMagicRkMd4, "rk-md4"}, {kMagicRkBlake2, "rk-blake2"}};

// Integer floor(log2(v)), 0 for v <= 1.
unsigned ilog2(uint64_t v) {
  unsigned n = 0;
  while (v > 1) {
    v >>= 1;
    ++n;
  }
  return n;
}

uint64_t isqrt(uint64_t v) {
  uint64_t r = 0;
  for (uint64_t bit = uint64_t{1} << 62; bit; bit >>= 2) {
    if (v >= r + bit) {
      v -= r + bit;
      r = (r >> 1) + bit;
    } else {
      r >>= 1;
    }
  }
  return r;
}

}  // namespace

bool magic_known(uint32_t magic) { return magic_name(magic) != nullptr; }

bool magic_from_name(const std::string& name, uint32_t* magic) {
  for (const MagicName& m : kMagics) {
    if (name == m.name) {
      *magic = m.magic;
      return true;
    }
  }
  return false;
}

const char* magic_name(uint32_t magic) {
  for (const MagicName& m : kMagics) {
    if (m.magic == magic) return m.name;
  }
  return nullptr;
}

// 256 up to 64 KiB, else floor(sqrt(size)) rounded down to a multiple of 128.
uint32_t recommended_block_len(int64_t size) {
  if (size < 0) return kUnknownSizeBlockLen;
  if (size <= 65536) return kSmallFileBlockLen;
  uint64_t b = isqrt(static_cast<uint64_t>(size)) & ~uint64_t{127};
  return b > kMaxBlockLen ? kMaxBlockLen : static_cast<uint32_t>(b);
}

uint32_t minimum_strong_len(int64_t size, uint32_t block_len) {
  if (size < 0) return 12;
  uint64_t n = static_cast<uint64_t>(size);
  return 2 + (ilog2(n + (uint64_t{1} << 24)) + ilog2(n / block_len + 1) + 7) / 8;
}

Status resolve_sig_params(int64_t size, uint32_t magic, int64_t block_len, int64_t strong_len, SigParams* out,
                          std::string* why) {
  if (!magic_known(magic)) {
    *why = "unknown signature magic " + hex32(magic);
    return Status::Param;
  }
  if (block_len < 0 || block_len > kMaxBlockLen) {
    *why = "block length " + std::to_string(block_len) + " is outside 1.." + std::to_string(kMaxBlockLen);
    return Status::Param;
  }
  uint32_t b = block_len == 0 ? recommended_block_len(size) : static_cast<uint32_t>(block_len);
  int64_t max = static_cast<int64_t>(magic_max_strong(magic));
  if (strong_len < -1 || strong_len > max) {
    *why = "strong sum length " + std::to_string(strong_len) + " is outside -1.." + std::to_string(max) + " for " +
           magic_name(magic);
    return Status::Param;
  }
  uint32_t s = strong_len == 0  ? static_cast<uint32_t>(max)
               : strong_len < 0 ? minimum_strong_len(size, b)
                                : static_cast<uint32_t>(strong_len);
  if (s > max) s = static_cast<uint32_t>(max);
  *out = SigParams{magic, b, s};
  return Status::Ok;
}

void encode_sig_header(const SigParams& p, uint8_t out[kSigHeaderBytes]) {
  store_be32(out, p.magic);
  store_be32(out + 4, p.block_len);
  store_be32(out + 8, p.strong_len);
}

Status decode_sig_header(const uint8_t in[kSigHeaderBytes], SigParams* out, std::string* why) {
  SigParams p{load_be32(in), load_be32(in + 4), load_be32(in + 8)};
  if (!magic_known(p.magic)) {
    *why = "bad signature magic " + hex32(p.magic) + " (offset 0)";
    return Status::BadMagic;
  }
  if (p.block_len < 1 || p.strong_len > kMaxStrongBytes) {
    *why = p.block_len < 1 ? "block length of 0 is bogus (offset 4)"
                           : "strong sum length " + std::to_string(p.strong_len) + " is implausible (offset 8)";
    return Status::Corrupt;
  }
  if (p.strong_len > magic_max_strong(p.magic) || p.block_len > kMaxBlockLen) {
    *why =
        p.block_len > kMaxBlockLen
            ? "block length " + std::to_string(p.block_len) + " exceeds " + std::to_string(kMaxBlockLen) + " (offset 4)"
            : "strong sum length " + std::to_string(p.strong_len) + " exceeds " +
                  std::to_string(magic_max_strong(p.magic)) + " for " + magic_name(p.magic) + " (offset 8)";
    return Status::Param;
  }
  if (p.strong_len == 0) p.strong_len = static_cast<uint32_t>(magic_max_strong(p.magic));
  *out = p;
  return Status::Ok;
}

uint64_t load_be(const uint8_t* p, size_t w) {
  uint64_t v = 0;
  for (size_t i = 0; i < w; ++i) v = (v << 8) | p[i];
  return v;
}

void store_be(uint8_t* p, uint64_t v, size_t w) {
  for (size_t i = 0; i < w; ++i) p[i] = static_cast<uint8_t>(v >> (8 * (w - 1 - i)));
}

std::string hex32(uint32_t v) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) s += kDigits[(v >> shift) & 0xf];
  return s;
}

size_t int_width(uint64_t v) {
  if (v <= 0xffu) return 1;
  if (v <= 0xffffu) return 2;
  if (v <= 0xffffffffu) return 4;
  return 8;
}

}  // namespace pf::rsync
