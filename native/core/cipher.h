// AES-256-CFB128 as one continuous key stream across calls (`openssl enc -aes-256-cfb`).
#pragma once

#include <cstddef>
#include <cstdint>

#include "status.h"

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

namespace pf {

constexpr size_t kAesKeyBytes = 32;
constexpr size_t kAesIvBytes = 16;

class AesCfbStream {
 public:
  AesCfbStream() = default;
  AesCfbStream(const AesCfbStream&) = delete;
  AesCfbStream& operator=(const AesCfbStream&) = delete;
  ~AesCfbStream();

  Status init(const uint8_t key[kAesKeyBytes], const uint8_t iv[kAesIvBytes], bool decrypt);
  // Transforms data in place; CFB keeps output length == input length.
  Status update(uint8_t* data, size_t len);

 private:
  EVP_CIPHER_CTX* ctx_ = nullptr;
};

}  // namespace pf
