#include "kdf.h"

#include <climits>

#include <openssl/evp.h>

namespace pf {
namespace {

const char kEmpty[1] = {0};

}  // namespace

Status derive_key_iv(const uint8_t* password, size_t password_len, const uint8_t salt[kSaltBytes], Kdf kdf,
                     uint32_t iterations, KeyIv* out) {
  if (password_len > INT_MAX || iterations < 1 || iterations > INT_MAX) return Status::Internal;
  const char* pass = password ? reinterpret_cast<const char*>(password) : kEmpty;
  int pass_len = static_cast<int>(password_len);
  if (kdf == Kdf::Pbkdf2) {
    int ok = PKCS5_PBKDF2_HMAC(pass, pass_len, salt, kSaltBytes, static_cast<int>(iterations), EVP_sha256(),
                               static_cast<int>(out->size()), out->data());
    return ok == 1 ? Status::Ok : Status::Crypto;
  }
  // `openssl enc` without -pbkdf2 always uses a single iteration.
  int key_len = EVP_BytesToKey(EVP_aes_256_cfb128(), EVP_sha256(), salt, reinterpret_cast<const uint8_t*>(pass),
                               pass_len, 1, out->data(), out->data() + 32);
  return key_len == 32 ? Status::Ok : Status::Crypto;
}

}  // namespace pf
