// TarDumper: the tar writer's fast path (core/tar_files.h) over one dump plan, filling the
// caller's archive chunks on the libuv pool.
//
//   new TarDumper(userIds, userNames, groupIds, groupNames, {
//     followSymlinks, trackHardLinks, ignoreFailedRead,
//     dirs: string[], prefixes: string[],          // per directory: absolute path, archive prefix
//     entryDirs: Uint32Array, names: string, kinds: Uint8Array,   // names joined by NUL
//     signature?: { magic, blockLength, strongLength } })  // sign every file stored (rdiff's conventions)
//   dumper.fill(chunk, offset)
//     -> Promise<[end, next, stop, bytesRead, files, symlinks, warnings: string[], error: string,
//                 signed: Uint32Array, signatures: Buffer, unsignedEntries: number[]]>
//   signed holds (entry index, end of its signature in `signatures`) pairs.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../core/rsync/sigformat.h"
#include "../core/tar_files.h"
#include "args.h"
#include "exports.h"
#include "worker.h"

namespace pfn {
namespace {

std::unordered_map<uint32_t, std::string> id_table(const Napi::CallbackInfo& info, size_t ids_at, size_t names_at,
                                                   const char* what) {
  Napi::Env env = info.Env();
  if (!info[ids_at].IsArray() || !info[names_at].IsArray()) {
    throw Napi::TypeError::New(env, std::string(what) + " ids and names must be arrays");
  }
  auto ids = info[ids_at].As<Napi::Array>();
  auto names = info[names_at].As<Napi::Array>();
  if (ids.Length() != names.Length())
    throw Napi::RangeError::New(env, std::string(what) + " ids and names differ in length");
  std::unordered_map<uint32_t, std::string> table;
  for (uint32_t i = 0; i < ids.Length(); ++i) {
    Napi::Value id = ids.Get(i);
    Napi::Value name = names.Get(i);
    if (!id.IsNumber() || !name.IsString())
      throw Napi::TypeError::New(env, std::string(what) + " ids must be numbers and names strings");
    double d = id.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= 4294967295.0) || static_cast<double>(static_cast<uint32_t>(d)) != d) {
      throw Napi::RangeError::New(env, std::string(what) + " ids must be integers in 0..4294967295");
    }
    table.emplace(static_cast<uint32_t>(d), name.As<Napi::String>().Utf8Value());
  }
  return table;
}

bool bool_option(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsBoolean()) throw Napi::TypeError::New(o.Env(), std::string("options.") + key + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::vector<std::string> string_list(const Napi::Object& o, const char* key) {
  Napi::Env env = o.Env();
  Napi::Value v = o.Get(key);
  if (!v.IsArray()) throw Napi::TypeError::New(env, std::string("options.") + key + " must be an array of strings");
  auto a = v.As<Napi::Array>();
  std::vector<std::string> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i)
    out.push_back(string_value(env, a.Get(i), std::string("options.") + key + "[]"));
  return out;
}

double number_option(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("options.signature.") + key + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

// options.signature: the arguments of rdiff's rs_sig_args, checked once here (resolved
// against a size of 0) so that each file's resolution in the fill cannot fail.
void signature_option(const Napi::Object& o, pf::tar::DumpPlan* plan) {
  Napi::Env env = o.Env();
  Napi::Value v = o.Get("signature");
  if (v.IsUndefined()) return;
  if (!v.IsObject()) throw Napi::TypeError::New(env, "options.signature must be an object");
  Napi::Object sig = v.As<Napi::Object>();
  Napi::Value magic = sig.Get("magic");
  if (!magic.IsString() || !pf::rsync::magic_from_name(magic.As<Napi::String>().Utf8Value(), &plan->sig_magic)) {
    throw Napi::RangeError::New(env,
                                "options.signature.magic must be one of 'rs-md4', 'rs-blake2', 'rk-md4', 'rk-blake2'");
  }
  double block = number_option(sig, "blockLength");
  double strong = number_option(sig, "strongLength");
  if (block != static_cast<double>(static_cast<int64_t>(block)) ||
      strong != static_cast<double>(static_cast<int64_t>(strong))) {
    throw Napi::RangeError::New(env, "options.signature lengths must be integers");
  }
  plan->sig_block_len = static_cast<int64_t>(block);
  plan->sig_strong_len = static_cast<int64_t>(strong);
  pf::rsync::SigParams resolved;
  std::string why;
  if (pf::rsync::resolve_sig_params(0, plan->sig_magic, plan->sig_block_len, plan->sig_strong_len, &resolved, &why) !=
      pf::Status::Ok) {
    throw Napi::RangeError::New(env, "options.signature: " + why);
  }
  plan->sign = true;
}

pf::tar::DumpPlan plan_arg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  if (!info[i].IsObject()) throw Napi::TypeError::New(env, "options must be an object");
  Napi::Object o = info[i].As<Napi::Object>();
  pf::tar::DumpPlan plan;
  plan.follow_symlinks = bool_option(o, "followSymlinks");
  plan.track_hard_links = bool_option(o, "trackHardLinks");
  plan.ignore_failed_read = bool_option(o, "ignoreFailedRead");
  plan.dirs = string_list(o, "dirs");
  plan.prefixes = string_list(o, "prefixes");
  if (plan.prefixes.size() != plan.dirs.size())
    throw Napi::RangeError::New(env, "options.prefixes and options.dirs differ in length");

  Napi::Value dirs_v = o.Get("entryDirs");
  Napi::Value kinds_v = o.Get("kinds");
  if (!dirs_v.IsTypedArray() || dirs_v.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    throw Napi::TypeError::New(env, "options.entryDirs must be a Uint32Array");
  }
  if (!kinds_v.IsTypedArray() || kinds_v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "options.kinds must be a Uint8Array");
  }
  auto entry_dirs = dirs_v.As<Napi::Uint32Array>();
  auto kinds = kinds_v.As<Napi::Uint8Array>();
  Napi::Value names_v = o.Get("names");
  if (!names_v.IsString()) throw Napi::TypeError::New(env, "options.names must be a string");
  std::string names = names_v.As<Napi::String>().Utf8Value();

  const size_t count = entry_dirs.ElementLength();
  if (kinds.ElementLength() != count)
    throw Napi::RangeError::New(env, "options.kinds and options.entryDirs differ in length");
  plan.entry_dir.reserve(count);
  plan.entry_kind.reserve(count);
  plan.entry_name.reserve(count);
  for (size_t e = 0; e < count; ++e) {
    if (entry_dirs[e] >= plan.dirs.size())
      throw Napi::RangeError::New(env, "options.entryDirs holds an index past options.dirs");
    if (kinds[e] > static_cast<uint8_t>(pf::tar::EntryKind::Other))
      throw Napi::RangeError::New(env, "options.kinds holds a value past 2");
    plan.entry_dir.push_back(entry_dirs[e]);
    plan.entry_kind.push_back(static_cast<pf::tar::EntryKind>(kinds[e]));
  }
  // `count` names, each ended by a NUL.
  size_t at = 0;
  for (size_t e = 0; e < count; ++e) {
    size_t end = names.find('\0', at);
    if (end == std::string::npos)
      throw Napi::RangeError::New(env, "options.names holds fewer names than options.entryDirs has entries");
    plan.entry_name.push_back(names.substr(at, end - at));
    at = end + 1;
  }
  if (at != names.size())
    throw Napi::RangeError::New(env, "options.names holds more names than options.entryDirs has entries");
  signature_option(o, &plan);
  return plan;
}

class TarDumper;

class FillWorker final : public PromiseWorker {
 public:
  FillWorker(TarDumper* owner, pf::tar::TreeDumper* dumper, const Napi::Buffer<uint8_t>& chunk, size_t offset);

 private:
  void Run() override { result_ = dumper_->fill(out_, cap_, offset_); }
  Napi::Value Result(Napi::Env env) override {
    Napi::Array warnings = Napi::Array::New(env, result_.warnings.size());
    for (size_t i = 0; i < result_.warnings.size(); ++i) warnings.Set(static_cast<uint32_t>(i), result_.warnings[i]);
    // One Buffer per fill and views into it: a Buffer per file cost more than the hashing.
    auto signed_entries = Napi::Uint32Array::New(env, 2 * result_.signed_entries.size());
    for (size_t i = 0; i < result_.signed_entries.size(); ++i) {
      signed_entries[2 * i] = static_cast<uint32_t>(result_.signed_entries[i].entry);
      signed_entries[2 * i + 1] = static_cast<uint32_t>(result_.signed_entries[i].end);
    }
    auto signatures = Napi::Buffer<uint8_t>::Copy(env, result_.signature_bytes.data(), result_.signature_bytes.size());
    Napi::Array unsigned_entries = Napi::Array::New(env, result_.unsigned_entries.size());
    for (size_t i = 0; i < result_.unsigned_entries.size(); ++i) {
      unsigned_entries.Set(static_cast<uint32_t>(i),
                           Napi::Number::New(env, static_cast<double>(result_.unsigned_entries[i])));
    }
    Napi::Array r = Napi::Array::New(env, 11);
    r.Set(0u, Napi::Number::New(env, static_cast<double>(result_.end)));
    r.Set(1u, Napi::Number::New(env, static_cast<double>(result_.next)));
    r.Set(2u, Napi::Number::New(env, static_cast<double>(result_.stop)));
    r.Set(3u, Napi::Number::New(env, static_cast<double>(result_.bytes_read)));
    r.Set(4u, Napi::Number::New(env, result_.files));
    r.Set(5u, Napi::Number::New(env, result_.symlinks));
    r.Set(6u, warnings);
    r.Set(7u, Napi::String::New(env, result_.error));
    r.Set(8u, signed_entries);
    r.Set(9u, signatures);
    r.Set(10u, unsigned_entries);
    return r;
  }
  void Settled() override;

  TarDumper* owner_;
  pf::tar::TreeDumper* dumper_;
  uint8_t* out_;
  size_t cap_;
  size_t offset_;
  pf::tar::FillResult result_;
};

class TarDumper final : public Napi::ObjectWrap<TarDumper> {
 public:
  static Napi::Function Class(Napi::Env env) {
    return DefineClass(env, "TarDumper", {InstanceMethod<&TarDumper::Fill>("fill")});
  }

  explicit TarDumper(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TarDumper>(info) {
    auto ids = std::make_shared<pf::tar::IdNames>();
    ids->users = id_table(info, 0, 1, "user");
    ids->groups = id_table(info, 2, 3, "group");
    dumper_ = std::make_unique<pf::tar::TreeDumper>(std::move(ids), plan_arg(info, 4));
  }

 private:
  friend class FillWorker;

  Napi::Value Fill(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (busy_) throw coded_error(env, "ERR_BUSY", "TarDumper.fill() is already in flight");
    Napi::Buffer<uint8_t> chunk = buffer_arg(info, 0, "chunk");
    auto offset = static_cast<size_t>(int_arg(info, 1, "offset", 0, static_cast<int64_t>(chunk.Length())));
    busy_ = true;
    return (new FillWorker(this, dumper_.get(), chunk, offset))->Start();
  }

  std::unique_ptr<pf::tar::TreeDumper> dumper_;
  bool busy_ = false;
};

FillWorker::FillWorker(TarDumper* owner, pf::tar::TreeDumper* dumper, const Napi::Buffer<uint8_t>& chunk, size_t offset)
    : PromiseWorker(owner->Env(), "permafrost:tarFill"),
      owner_(owner),
      dumper_(dumper),
      out_(chunk.Data()),
      cap_(chunk.Length()),
      offset_(offset) {
  Keep(owner->Value());
  Keep(chunk);
}

void FillWorker::Settled() { owner_->busy_ = false; }

}  // namespace

Napi::Function TarDumperClass(Napi::Env env) { return TarDumper::Class(env); }

}  // namespace pfn
