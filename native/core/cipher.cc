#include "cipher.h"

#include <openssl/evp.h>

namespace pf {

AesCfbStream::~AesCfbStream() { EVP_CIPHER_CTX_free(ctx_); }

Status AesCfbStream::init(const uint8_t key[kAesKeyBytes], const uint8_t iv[kAesIvBytes], bool decrypt) {
  if (!ctx_ && !(ctx_ = EVP_CIPHER_CTX_new())) return Status::NoMemory;
  int enc = decrypt ? 0 : 1;
  return EVP_CipherInit_ex(ctx_, EVP_aes_256_cfb128(), nullptr, key, iv, enc) == 1 ? Status::Ok : Status::Crypto;
}

Status AesCfbStream::update(uint8_t* data, size_t len) {
  if (!ctx_) return Status::State;
  // EVP takes int lengths; slicing keeps the CFB state continuous.
  constexpr size_t kSlice = size_t{1} << 30;
  while (len > 0) {
    int n = static_cast<int>(len < kSlice ? len : kSlice), out_len = 0;
    if (EVP_CipherUpdate(ctx_, data, &out_len, data, n) != 1 || out_len != n) return Status::Crypto;
    data += n;
    len -= static_cast<size_t>(n);
  }
  return Status::Ok;
}

}  // namespace pf
