// Key/IV derivation exactly as `openssl enc -aes-256-cfb -md sha256 [-pbkdf2 -iter N]`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "status.h"

namespace pf {

enum class Kdf { EvpBytesToKey, Pbkdf2 };

constexpr size_t kSaltBytes = 8;
constexpr size_t kKeyIvBytes = 48;  // AES-256 key (32) || IV (16)
using KeyIv = std::array<uint8_t, kKeyIvBytes>;

Status derive_key_iv(const uint8_t* password, size_t password_len, const uint8_t salt[kSaltBytes], Kdf kdf,
                     uint32_t iterations, KeyIv* out);

}  // namespace pf
