// permafrost native addon: the export table only. The work lives in core/ (plain C++ over
// zlib, libbz2, liblzma, libzstd and OpenSSL) and the JS glue in napi/. The TypeScript
// contract for these exports is src/native.ts (NativeBinding).
#include <napi.h>

#include "napi/exports.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Library versions, read once at load time.
  exports.Set("versions", pfn::Versions(env));

  // Compression: a streaming codec and a one-shot independent member for parallel jobs.
  exports.Set("CodecStream", pfn::CodecStreamClass(env));
  exports.Set("compressMember", Napi::Function::New(env, pfn::CompressMember, "compressMember"));

  // Crypto: in-place AES-256-CFB, SHA-256/HMAC streams, openssl-enc key derivation.
  exports.Set("Cipher", pfn::CipherClass(env));
  exports.Set("Digest", pfn::DigestClass(env));
  exports.Set("deriveKeyIv", Napi::Function::New(env, pfn::DeriveKeyIv, "deriveKeyIv"));
  exports.Set("hmacSha256", Napi::Function::New(env, pfn::HmacSha256, "hmacSha256"));

  // System calls Node does not offer.
  exports.Set("setPriority", Napi::Function::New(env, pfn::SetPriority, "setPriority"));
  exports.Set("mknod", Napi::Function::New(env, pfn::Mknod, "mknod"));
  return exports;
}

}  // namespace

NODE_API_MODULE(permafrost, Init)
