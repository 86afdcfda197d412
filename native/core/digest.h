// Running SHA-256 (+ optional HMAC-SHA256) of a stream that also hashes it in segments, in
// the same pass over the bytes. With a segment size of 0 every update is its own segment.
// Segments on the 64-byte grid are hashed with the SHA extensions where the CPU has them
// (sha256_lanes.h: all streams in one pass); anything else goes through OpenSSL.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "sha256_lanes.h"
#include "status.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;
typedef struct evp_mac_ctx_st EVP_MAC_CTX;

namespace pf {

class DigestStream {
 public:
  DigestStream() = default;
  DigestStream(const DigestStream&) = delete;
  DigestStream& operator=(const DigestStream&) = delete;
  ~DigestStream();

  // An HMAC key may be empty (and its pointer null), so keying is a separate flag. With
  // `segment_md5` (segmented only) every segment's MD5 is computed too.
  Status init(bool keyed, const uint8_t* key, size_t key_len, uint64_t segment_size, bool segment_md5 = false);
  // Appends the hashes of the segments this update completed to `completed` (and their MD5s
  // to `md5s`, which may be null without segment_md5).
  Status update(const uint8_t* data, size_t len, std::vector<Hash>* completed, std::vector<Md5>* md5s = nullptr);
  // hmac is left untouched when unkeyed; `last` (and `last_md5`) get the final partial segment, if any.
  Status final(Hash* sha, Hash* hmac, std::vector<Hash>* last, std::vector<Md5>* last_md5 = nullptr);
  bool keyed() const { return mac_ != nullptr || keyed_lanes_; }
  // Which code hashes: "sha-extensions" or "openssl" (for tests and the bench report).
  const char* kernel() const { return lanes_ ? "sha-extensions" : "openssl"; }

 private:
  Status close_segment(std::vector<Hash>* out, std::vector<Md5>* md5s);

  std::unique_ptr<SegmentedSha256> lanes_;
  bool keyed_lanes_ = false;
  bool finished_ = false;

  EVP_MD_CTX* total_ = nullptr;
  uint64_t segment_size_ = 0;
  uint64_t in_segment_ = 0;
  EVP_MD_CTX* segment_ = nullptr;
  EVP_MD_CTX* segment_md5_ = nullptr;
  EVP_MAC_CTX* mac_ = nullptr;
};

// MD5 of the concatenation of `count` pieces, for object stores that check a body's MD5
// (Swift ETag, S3 Content-MD5); never used for anything we trust on our own.
struct Piece {
  const uint8_t* data;
  size_t len;
};
Status md5_pieces(const Piece* pieces, size_t count, Md5* out);

// One-shot HMAC-SHA256.
Status hmac_sha256(const uint8_t* key, size_t key_len, const uint8_t* data, size_t len, Hash* out);

}  // namespace pf
