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
  exports.Set("compressMemberInto", Napi::Function::New(env, pfn::CompressMemberInto, "compressMemberInto"));
  exports.Set("memberCapacity", Napi::Function::New(env, pfn::MemberCapacity, "memberCapacity"));

  // Crypto: in-place AES-256-CFB, SHA-256/HMAC streams, openssl-enc key derivation.
  exports.Set("Cipher", pfn::CipherClass(env));
  exports.Set("Digest", pfn::DigestClass(env));
  exports.Set("deriveKeyIv", Napi::Function::New(env, pfn::DeriveKeyIv, "deriveKeyIv"));
  exports.Set("hmacSha256", Napi::Function::New(env, pfn::HmacSha256, "hmacSha256"));
  exports.Set("md5", Napi::Function::New(env, pfn::Md5, "md5"));

  // The tar writer's fast path: plain regular files into an archive chunk, batch by batch.
  exports.Set("TarDumper", pfn::TarDumperClass(env));
  exports.Set("TarExtractor", pfn::TarExtractorClass(env));
  exports.Set("listDirectories", Napi::Function::New(env, pfn::ListDirectories, "listDirectories"));

  // System calls Node does not offer.
  exports.Set("setPriority", Napi::Function::New(env, pfn::SetPriority, "setPriority"));
  exports.Set("startWriteback", Napi::Function::New(env, pfn::StartWriteback, "startWriteback"));
  exports.Set("mknod", Napi::Function::New(env, pfn::Mknod, "mknod"));
  exports.Set("tryLock", Napi::Function::New(env, pfn::TryLock, "tryLock"));
  exports.Set("setMmapThreshold", Napi::Function::New(env, pfn::SetMmapThreshold, "setMmapThreshold"));
  exports.Set("applyThreadControls", Napi::Function::New(env, pfn::ApplyThreadControls, "applyThreadControls"));
  exports.Set("getThreadControls", Napi::Function::New(env, pfn::GetThreadControls, "getThreadControls"));

  // Device-mapper facts for the LVM snapshot provider (DM ioctls on /dev/mapper/control).
  exports.Set("dmVersion", Napi::Function::New(env, pfn::DmVersion, "dmVersion"));
  exports.Set("dmStatus", Napi::Function::New(env, pfn::DmStatus, "dmStatus"));
  exports.Set("_dmParseStatus", Napi::Function::New(env, pfn::DmParseStatus, "_dmParseStatus"));
  exports.Set("sendUnixDatagram", Napi::Function::New(env, pfn::SendUnixDatagram, "sendUnixDatagram"));

  // rsync: rdiff 2.3.2-identical signatures, deltas and patches; streaming jobs over caller
  // buffers and whole-file jobs over fds, all on the libuv pool.
  exports.Set("SignatureJob", pfn::SignatureJobClass(env));
  exports.Set("signatureFile", Napi::Function::New(env, pfn::SignatureFile, "signatureFile"));
  exports.Set("loadSignature", Napi::Function::New(env, pfn::LoadSignature, "loadSignature"));
  exports.Set("DeltaJob", pfn::DeltaJobClass(env));
  exports.Set("deltaFile", Napi::Function::New(env, pfn::DeltaFile, "deltaFile"));
  exports.Set("PatchJob", pfn::PatchJobClass(env));
  exports.Set("patchFile", Napi::Function::New(env, pfn::PatchFile, "patchFile"));
  exports.Set("_selftest", Napi::Function::New(env, pfn::RsyncSelftest, "_selftest"));
  return exports;
}

}  // namespace

NODE_API_MODULE(permafrost, Init)
