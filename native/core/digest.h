// Running SHA-256 (+ optional HMAC-SHA256) that also yields the SHA-256 of each update's
// data alone, computed in the same pass over the bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "status.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;
typedef struct evp_mac_ctx_st EVP_MAC_CTX;

namespace pf {

constexpr size_t kSha256Bytes = 32;
using Hash = std::array<uint8_t, kSha256Bytes>;

class DigestStream {
 public:
  DigestStream() = default;
  DigestStream(const DigestStream&) = delete;
  DigestStream& operator=(const DigestStream&) = delete;
  ~DigestStream();

  // An HMAC key may be empty (and its pointer null), so keying is a separate flag.
  Status init(bool keyed, const uint8_t* key, size_t key_len);
  Status update(const uint8_t* data, size_t len, Hash* segment);
  // hmac is left untouched when unkeyed. The stream is spent afterwards.
  Status final(Hash* sha, Hash* hmac);
  bool keyed() const { return mac_ != nullptr; }

 private:
  EVP_MD_CTX* total_ = nullptr;
  EVP_MD_CTX* segment_ = nullptr;
  EVP_MAC_CTX* mac_ = nullptr;
};

// One-shot HMAC-SHA256.
Status hmac_sha256(const uint8_t* key, size_t key_len, const uint8_t* data, size_t len, Hash* out);

}  // namespace pf
