// setPriority() and mknod(): synchronous system calls, failures carry errno.
#include <cstdint>

#include "../core/system.h"
#include "../core/versions.h"
#include "args.h"
#include "errors.h"
#include "exports.h"

namespace pfn {
namespace {

constexpr int64_t kMaxMajor = (1 << 12) - 1;  // Linux dev_t: 12-bit major, 20-bit minor
constexpr int64_t kMaxMinor = (1 << 20) - 1;

}  // namespace

Napi::Value SetPriority(const Napi::CallbackInfo& info) {
  int nice = static_cast<int>(int_arg(info, 0, "nice", -39, 39));
  int io_class = static_cast<int>(int_arg(info, 1, "ioClass", 0, 3));
  int io_level = static_cast<int>(int_arg(info, 2, "ioLevel", 0, 7));
  pf::SysError e = pf::set_priority(nice, io_class, io_level);
  if (e.err != 0) throw errno_error(info.Env(), e.call, e.err);
  return info.Env().Undefined();
}

Napi::Value Mknod(const Napi::CallbackInfo& info) {
  std::string path = string_arg(info, 0, "path");
  auto mode = static_cast<uint32_t>(int_arg(info, 1, "mode", 0, UINT32_MAX));
  auto major = static_cast<uint32_t>(int_arg(info, 2, "major", 0, kMaxMajor));
  auto minor = static_cast<uint32_t>(int_arg(info, 3, "minor", 0, kMaxMinor));
  pf::SysError e = pf::make_node(path.c_str(), mode, major, minor);
  if (e.err != 0) throw errno_error(info.Env(), e.call, e.err);
  return info.Env().Undefined();
}

Napi::Value SetMmapThreshold(const Napi::CallbackInfo& info) {
  auto bytes = static_cast<uint32_t>(int_arg(info, 0, "bytes", 4096, 32 << 20));
  return Napi::Boolean::New(info.Env(), pf::set_mmap_threshold(bytes));
}

Napi::Object Versions(Napi::Env env) {
  Napi::Object versions = Napi::Object::New(env);
  for (const auto& [name, version] : pf::library_versions()) versions.Set(name, version);
  return versions;
}

}  // namespace pfn
