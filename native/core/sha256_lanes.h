// SHA-256 of the streams a backup hashes over the same bytes (the whole stream, its current
// segment, the inner hash of its HMAC), computed together with the x86 SHA extensions: the
// message schedule of each 64-byte block is computed once for all of them, and their rounds
// are interleaved, which hides the latency of the SHA unit. Two streams cost ~27% less CPU
// than hashing each on its own (OpenSSL's SHA-NI code), three ~26% less. Segment boundaries
// must fall on the 64-byte grid (segment sizes that are multiples of 64), so every stream
// splits the bytes into the same blocks.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pf {

constexpr size_t kSha256Bytes = 32;
using Hash = std::array<uint8_t, kSha256Bytes>;

// True when this CPU has the SHA extensions (and SSSE3/SSE4.1) the code below needs.
bool sha_extensions_available();

struct Sha256State {
  uint32_t h[8];
};

void sha256_init(Sha256State* s);
// Compresses `blocks` 64-byte blocks of `data` into each of the `count` (1..3) states.
void sha256_blocks(Sha256State* const* states, int count, const uint8_t* data, size_t blocks);
// The digest of a state that has absorbed `total` bytes, whose last total % 64 are `tail`.
Hash sha256_finish(Sha256State s, const uint8_t* tail, uint64_t total);
// One-shot SHA-256 (HMAC keys longer than a block).
Hash sha256(const uint8_t* data, size_t len);

// Whole-stream SHA-256, per-segment SHA-256 and optionally HMAC-SHA256, as DigestStream.
// Needs sha_extensions_available() and a segment size that is a positive multiple of 64.
class SegmentedSha256 {
 public:
  SegmentedSha256(uint64_t segment_size, bool keyed, const uint8_t* key, size_t key_len);
  // Appends the hashes of the segments this update completed.
  void update(const uint8_t* data, size_t len, std::vector<Hash>* completed);
  // `last` gets the final partial segment's hash, if any; hmac is set only when keyed.
  void final(Hash* sha, Hash* hmac, std::vector<Hash>* last);

 private:
  void absorb(const uint8_t* data, size_t len);

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
};

}  // namespace pf
