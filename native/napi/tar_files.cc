// TarFileDumper: the tar writer's fast path for plain regular files (core/tar_files.h), one
// batch per call on the libuv pool, written into the caller's archive chunk.
//
//   new TarFileDumper(userIds, userNames, groupIds, groupNames, followSymlinks, trackHardLinks)
//   dumper.dump(dir, relPrefix, names, chunk, offset) -> Promise<[handled, end, bytesRead]>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../core/tar_files.h"
#include "args.h"
#include "exports.h"
#include "worker.h"

namespace pfn {
namespace {

constexpr uint32_t kMaxBatch = 4096;

std::unordered_map<uint32_t, std::string> id_table(const Napi::CallbackInfo& info, size_t ids_at, size_t names_at,
                                                   const char* what) {
  Napi::Env env = info.Env();
  if (!info[ids_at].IsArray() || !info[names_at].IsArray()) {
    throw Napi::TypeError::New(env, std::string(what) + " ids and names must be arrays");
  }
  auto ids = info[ids_at].As<Napi::Array>();
  auto names = info[names_at].As<Napi::Array>();
  if (ids.Length() != names.Length()) throw Napi::RangeError::New(env, std::string(what) + " ids and names differ in length");
  std::unordered_map<uint32_t, std::string> table;
  for (uint32_t i = 0; i < ids.Length(); ++i) {
    Napi::Value id = ids.Get(i);
    Napi::Value name = names.Get(i);
    if (!id.IsNumber() || !name.IsString()) throw Napi::TypeError::New(env, std::string(what) + " ids must be numbers and names strings");
    double d = id.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= 4294967295.0) || static_cast<double>(static_cast<uint32_t>(d)) != d) {
      throw Napi::RangeError::New(env, std::string(what) + " ids must be integers in 0..4294967295");
    }
    table.emplace(static_cast<uint32_t>(d), name.As<Napi::String>().Utf8Value());
  }
  return table;
}

class DumpWorker final : public PromiseWorker {
 public:
  DumpWorker(Napi::Env env, std::shared_ptr<const pf::tar::IdNames> ids, pf::tar::FileBatch batch,
             const Napi::Object& owner, const Napi::Buffer<uint8_t>& chunk, size_t offset)
      : PromiseWorker(env, "permafrost:tarFiles"),
        ids_(std::move(ids)),
        batch_(std::move(batch)),
        out_(chunk.Data()),
        cap_(chunk.Length()),
        offset_(offset) {
    Keep(owner);
    Keep(chunk);
  }

 private:
  void Run() override { result_ = pf::tar::dump_files(batch_, *ids_, out_, cap_, offset_); }
  Napi::Value Result(Napi::Env env) override {
    Napi::Array r = Napi::Array::New(env, 3);
    r.Set(0u, Napi::Number::New(env, static_cast<double>(result_.handled)));
    r.Set(1u, Napi::Number::New(env, static_cast<double>(result_.end)));
    r.Set(2u, Napi::Number::New(env, static_cast<double>(result_.bytes_read)));
    return r;
  }

  std::shared_ptr<const pf::tar::IdNames> ids_;
  pf::tar::FileBatch batch_;
  uint8_t* out_;
  size_t cap_;
  size_t offset_;
  pf::tar::BatchResult result_;
};

class TarFileDumper final : public Napi::ObjectWrap<TarFileDumper> {
 public:
  static Napi::Function Class(Napi::Env env) {
    return DefineClass(env, "TarFileDumper", {InstanceMethod<&TarFileDumper::Dump>("dump")});
  }

  explicit TarFileDumper(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TarFileDumper>(info) {
    auto ids = std::make_shared<pf::tar::IdNames>();
    ids->users = id_table(info, 0, 1, "user");
    ids->groups = id_table(info, 2, 3, "group");
    ids_ = std::move(ids);
    follow_symlinks_ = bool_arg(info, 4, "followSymlinks");
    track_hard_links_ = bool_arg(info, 5, "trackHardLinks");
  }

 private:
  Napi::Value Dump(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    pf::tar::FileBatch batch;
    batch.dir = string_arg(info, 0, "dir");
    batch.rel_prefix = string_arg(info, 1, "relPrefix");
    if (!info[2].IsArray()) throw Napi::TypeError::New(env, "names must be an array of strings");
    auto names = info[2].As<Napi::Array>();
    if (names.Length() > kMaxBatch) throw Napi::RangeError::New(env, "names: at most " + std::to_string(kMaxBatch) + " per batch");
    batch.names.reserve(names.Length());
    for (uint32_t i = 0; i < names.Length(); ++i) {
      Napi::Value n = names.Get(i);
      if (!n.IsString()) throw Napi::TypeError::New(env, "names must be an array of strings");
      batch.names.push_back(n.As<Napi::String>().Utf8Value());  // core rejects '/', NUL, "." and ".."
    }
    batch.follow_symlinks = follow_symlinks_;
    batch.track_hard_links = track_hard_links_;
    Napi::Buffer<uint8_t> chunk = buffer_arg(info, 3, "chunk");
    auto offset = static_cast<size_t>(int_arg(info, 4, "offset", 0, static_cast<int64_t>(chunk.Length())));
    return (new DumpWorker(env, ids_, std::move(batch), info.This().As<Napi::Object>(), chunk, offset))->Start();
  }

  std::shared_ptr<const pf::tar::IdNames> ids_;
  bool follow_symlinks_ = false;
  bool track_hard_links_ = true;
};

}  // namespace

Napi::Function TarFileDumperClass(Napi::Env env) { return TarFileDumper::Class(env); }

}  // namespace pfn
