// Synchronous, small-input crypto helpers: openssl-enc key derivation and one-shot HMAC.
#include <climits>

#include "../core/digest.h"
#include "../core/kdf.h"
#include "args.h"
#include "errors.h"
#include "exports.h"

namespace pfn {

Napi::Value DeriveKeyIv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Buffer<uint8_t> password = buffer_arg(info, 0, "password");
  Napi::Buffer<uint8_t> salt = buffer_arg(info, 1, "salt", pf::kSaltBytes);
  std::string name = info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "";
  if (name != "evp" && name != "pbkdf2") throw Napi::TypeError::New(env, "kdf must be 'evp' or 'pbkdf2'");
  auto iterations = static_cast<uint32_t>(int_arg(info, 3, "iterations", 1, INT_MAX));
  if (password.Length() > INT_MAX) throw Napi::RangeError::New(env, "password is too long");
  pf::Kdf kdf = name == "evp" ? pf::Kdf::EvpBytesToKey : pf::Kdf::Pbkdf2;
  pf::KeyIv out{};
  pf::Status s = pf::derive_key_iv(password.Data(), password.Length(), salt.Data(), kdf, iterations, &out);
  if (s != pf::Status::Ok) throw status_error(env, s, "key derivation failed");
  return Napi::Buffer<uint8_t>::Copy(env, out.data(), out.size());
}

Napi::Value HmacSha256(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Buffer<uint8_t> key = buffer_arg(info, 0, "key");
  Napi::Buffer<uint8_t> data = buffer_arg(info, 1, "data");
  pf::Hash out{};
  pf::Status s = pf::hmac_sha256(key.Data(), key.Length(), data.Data(), data.Length(), &out);
  if (s != pf::Status::Ok) throw status_error(env, s, "HMAC-SHA256 failed");
  return Napi::Buffer<uint8_t>::Copy(env, out.data(), out.size());
}

}  // namespace pfn
