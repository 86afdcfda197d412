// setPriority() and mknod(): synchronous system calls, failures carry errno. startWriteback():
// on the pool, since sync_file_range may wait while the disk queue is congested.
#include <cerrno>
#include <cstdint>

#include "../core/os_calls.h"
#include "../core/versions.h"
#include "args.h"
#include "errors.h"
#include "exports.h"
#include "worker.h"

namespace pfn {
namespace {

constexpr int64_t kMaxMajor = (1 << 12) - 1;  // Linux dev_t: 12-bit major, 20-bit minor
constexpr int64_t kMaxMinor = (1 << 20) - 1;

constexpr int64_t kMaxOffset = (int64_t{1} << 53) - 1;  // what a JS number holds exactly

class WritebackWorker final : public PromiseWorker {
 public:
  WritebackWorker(Napi::Env env, int fd, int64_t offset, int64_t length)
      : PromiseWorker(env, "permafrost:writeback"), fd_(fd), offset_(offset), length_(length) {}

 private:
  void Run() override { err_ = pf::start_writeback(fd_, offset_, length_); }
  // Not an error for the caller: the fdatasync that follows is what decides durability.
  Napi::Value Result(Napi::Env env) override { return Napi::Boolean::New(env, err_ == 0); }

  int fd_;
  int64_t offset_;
  int64_t length_;
  int err_ = 0;
};

}  // namespace

Napi::Value StartWriteback(const Napi::CallbackInfo& info) {
  auto fd = static_cast<int>(int_arg(info, 0, "fd", 0, INT32_MAX));
  int64_t offset = int_arg(info, 1, "offset", 0, kMaxOffset);
  int64_t length = int_arg(info, 2, "length", 0, kMaxOffset);
  return (new WritebackWorker(info.Env(), fd, offset, length))->Start();
}

// Never blocks: waiting for a lock is the caller's loop, so the pool is never held by it.
Napi::Value TryLock(const Napi::CallbackInfo& info) {
  auto fd = static_cast<int>(int_arg(info, 0, "fd", 0, INT32_MAX));
  if (info.Length() < 2 || !info[1].IsBoolean()) throw Napi::TypeError::New(info.Env(), "exclusive must be a boolean");
  int err = pf::try_lock(fd, info[1].As<Napi::Boolean>().Value());
  if (err == EWOULDBLOCK) return Napi::Boolean::New(info.Env(), false);
  if (err != 0) throw errno_error(info.Env(), "flock", err);
  return Napi::Boolean::New(info.Env(), true);
}

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
