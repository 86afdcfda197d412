// SHA-256 of the streams a backup hashes over the same bytes (the whole stream, its current
// segment, the inner hash of its HMAC), computed together with the x86 SHA extensions: the
// message schedule of each 64-byte block is computed once for all of them, and their rounds
// are interleaved, which hides the latency of the SHA unit. Two streams cost ~27% less CPU
// than hashing each on its own (OpenSSL's SHA-NI code), three ~26% less. Segment boundaries
// must fall on the 64-byte grid (segment sizes that are multiples of 64), so every stream
// splits the bytes into the same blocks.
//
// The MD5 of each segment, which Swift and S3 check uploads against, can ride along: MD5 is
// one long chain of dependent integer steps, the SHA rounds run on the vector unit, so with
// their steps interleaved the SHA-256 work costs next to nothing on top of the MD5 (measured:
// MD5 alone 0.47 s, MD5 + two SHA-256 streams 0.47 s per 256 MiB, against 0.75 s apart).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pf {

constexpr size_t kSha256Bytes = 32;
using Hash = std::array<uint8_t, kSha256Bytes>;
constexpr size_t kMd5Bytes = 16;
using Md5 = std::array<uint8_t, kMd5Bytes>;

// True when this CPU has the SHA extensions (and SSSE3/SSE4.1) the code below needs.
bool sha_extensions_available();

struct Sha256State {
  uint32_t h[8];
};

void sha256_init(Sha256State* s);
// Compresses `blocks` 64-byte blocks of `data` into each of the `count` (1..3) states, and
// into `md5` too when it is not null.
struct Md5State {
  uint32_t h[4];
};
void sha256_blocks(Sha256State* const* states, int count, const uint8_t* data, size_t blocks, Md5State* md5 = nullptr);
// The digest of a state that has absorbed `total` bytes, whose last total % 64 are `tail`.
Hash sha256_finish(Sha256State s, const uint8_t* tail, uint64_t total);
// One-shot SHA-256 (HMAC keys longer than a block).
Hash sha256(const uint8_t* data, size_t len);
void md5_init(Md5State* s);
// The MD5 of a state that has absorbed `total` bytes, whose last total % 64 are `tail`.
Md5 md5_finish(Md5State s, const uint8_t* tail, uint64_t total);

// Whole-stream SHA-256, per-segment SHA-256 (and MD5, when asked) and optionally HMAC-SHA256,
// as DigestStream. Needs sha_extensions_available() and a segment size that is a positive
// multiple of 64.
class SegmentedSha256 {
 public:
  SegmentedSha256(uint64_t segment_size, bool keyed, const uint8_t* key, size_t key_len, bool segment_md5);
  // Appends the hashes of the segments this update completed (their MD5s to `md5s`, when asked).
  void update(const uint8_t* data, size_t len, std::vector<Hash>* completed, std::vector<Md5>* md5s);
  // `last` (and `last_md5`) get the final partial segment's hash, if any; hmac is set only when keyed.
  void final(Hash* sha, Hash* hmac, std::vector<Hash>* last, std::vector<Md5>* last_md5);

 private:
  void absorb(const uint8_t* data, size_t len);
  void close_segment(std::vector<Hash>* shas, std::vector<Md5>* md5s);

  uint64_t segment_size_;
  uint64_t in_segment_ = 0;
  uint64_t total_ = 0;
  bool keyed_;
  // Lanes: whole stream, segment, HMAC inner; the active ones are first in `active_`.
  Sha256State lanes_[3];
  Sha256State* active_[3];
  int active_count_;
  uint8_t tail_[64];
  size_t tail_len_ = 0;
  uint8_t opad_[64];
  bool segment_md5_;
  Md5State md5_;
};

}  // namespace pf
