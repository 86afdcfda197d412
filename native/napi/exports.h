// One entry point per exported object kind; addon.cc assembles them into the module.
#pragma once

#include <napi.h>

namespace pfn {

Napi::Object Versions(Napi::Env env);
Napi::Function CodecStreamClass(Napi::Env env);
Napi::Value CompressMember(const Napi::CallbackInfo& info);
Napi::Value CompressMemberInto(const Napi::CallbackInfo& info);
Napi::Value MemberCapacity(const Napi::CallbackInfo& info);
Napi::Function CipherClass(Napi::Env env);
Napi::Function DigestClass(Napi::Env env);
Napi::Value DeriveKeyIv(const Napi::CallbackInfo& info);
Napi::Value HmacSha256(const Napi::CallbackInfo& info);
Napi::Value Md5(const Napi::CallbackInfo& info);
Napi::Function TarDumperClass(Napi::Env env);
Napi::Function TarExtractorClass(Napi::Env env);
Napi::Value ListDirectories(const Napi::CallbackInfo& info);
Napi::Value SetPriority(const Napi::CallbackInfo& info);
Napi::Value StartWriteback(const Napi::CallbackInfo& info);
Napi::Value Mknod(const Napi::CallbackInfo& info);
Napi::Value TryLock(const Napi::CallbackInfo& info);
Napi::Value SetMmapThreshold(const Napi::CallbackInfo& info);
Napi::Value ApplyThreadControls(const Napi::CallbackInfo& info);
Napi::Value GetThreadControls(const Napi::CallbackInfo& info);

// Device-mapper facts (DM ioctls) for the LVM snapshot provider.
Napi::Value DmVersion(const Napi::CallbackInfo& info);
Napi::Value DmStatus(const Napi::CallbackInfo& info);
Napi::Value DmParseStatus(const Napi::CallbackInfo& info);
Napi::Value SendUnixDatagram(const Napi::CallbackInfo& info);

// rsync (librsync 2.3.2 / rdiff compatible) signatures, deltas and patches.
Napi::Function SignatureJobClass(Napi::Env env);
Napi::Value SignatureFile(const Napi::CallbackInfo& info);
Napi::Value LoadSignature(const Napi::CallbackInfo& info);
Napi::Function DeltaJobClass(Napi::Env env);
Napi::Value DeltaFile(const Napi::CallbackInfo& info);
Napi::Function PatchJobClass(Napi::Env env);
Napi::Value PatchFile(const Napi::CallbackInfo& info);
Napi::Value RsyncSelftest(const Napi::CallbackInfo& info);

}  // namespace pfn
