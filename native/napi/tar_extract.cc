// TarExtractor: the restore's native extractor (core/tar_extract.h) for one level, fed the
// decompressed archive chunk by chunk on the libuv pool.
//
//   new TarExtractor(root, { chown: boolean, umask: number, hookedTypes: string, skip: string, needed: string })
//                         // skip, needed: member keys, each followed by a NUL
//   ex.feed(chunk, start, end) -> Promise<[used, stop, files, directories, bytesWritten, status, message, errno,
//   unmet]> ex.stoppedMember() -> header object of the member a Member stop left to the caller ex.forget() the caller
//   changed the tree: drop cached directory descriptors ex.end()   -> [status, message]     whether the input ended
//   between members ex.finish() -> the same tuple: delayed directory attributes; unmet = needed keys that never came
//   ex.close()            releases every descriptor (also done when collected)
// status is '' or a code (ERR_CORRUPT, ERR_TRUNCATED, ERR_UNSAFE, ERR_UNSUPPORTED, ERR_IO).
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>

#include "../core/tar_extract.h"
#include "args.h"
#include "exports.h"
#include "worker.h"

namespace pfn {
namespace {

// Member keys, each followed by a NUL, in one string.
std::unordered_set<std::string> key_set(const Napi::Object& o, const char* key) {
  Napi::Env env = o.Env();
  Napi::Value v = o.Get(key);
  const std::string what = std::string("options.") + key;
  if (!v.IsString()) throw Napi::TypeError::New(env, what + " must be a string of NUL-ended keys");
  std::string keys = v.As<Napi::String>().Utf8Value();
  if (!keys.empty() && keys.back() != '\0') throw Napi::RangeError::New(env, what + " must end with a NUL");
  std::unordered_set<std::string> out;
  size_t at = 0;
  while (at < keys.size()) {
    size_t end = keys.find('\0', at);
    if (end == at) throw Napi::RangeError::New(env, what + " holds an empty key");
    out.insert(keys.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

pf::tar::ExtractOptions options_arg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  if (!info[i].IsObject()) throw Napi::TypeError::New(env, "options must be an object");
  Napi::Object o = info[i].As<Napi::Object>();
  pf::tar::ExtractOptions opts;
  Napi::Value chown = o.Get("chown");
  if (!chown.IsBoolean()) throw Napi::TypeError::New(env, "options.chown must be a boolean");
  opts.chown = chown.As<Napi::Boolean>().Value();
  opts.hooked_types = string_value(env, o.Get("hookedTypes"), "options.hookedTypes");
  Napi::Value umask = o.Get("umask");
  if (!umask.IsNumber()) throw Napi::TypeError::New(env, "options.umask must be a number");
  const double mask = umask.As<Napi::Number>().DoubleValue();
  if (!(mask >= 0 && mask <= 0777) || static_cast<double>(static_cast<uint32_t>(mask)) != mask)
    throw Napi::RangeError::New(env, "options.umask must be an integer in 0..0o777");
  opts.umask = static_cast<uint32_t>(mask);
  opts.skip = key_set(o, "skip");
  opts.needed = key_set(o, "needed");
  return opts;
}

Napi::Value result_tuple(Napi::Env env, const pf::tar::FeedResult& r) {
  Napi::Array a = Napi::Array::New(env, 9);
  a.Set(0u, Napi::Number::New(env, static_cast<double>(r.used)));
  a.Set(1u, Napi::Number::New(env, static_cast<double>(r.stop)));
  a.Set(2u, Napi::Number::New(env, r.files));
  a.Set(3u, Napi::Number::New(env, r.directories));
  a.Set(4u, Napi::Number::New(env, static_cast<double>(r.bytes_written)));
  a.Set(5u, Napi::String::New(env, r.status == pf::Status::Ok ? "" : pf::status_name(r.status)));
  a.Set(6u, Napi::String::New(env, r.message));
  a.Set(7u, Napi::Number::New(env, r.err));
  a.Set(8u, Napi::Number::New(env, r.unmet));
  return a;
}

Napi::String bytes_string(Napi::Env env, const std::string& s) { return Napi::String::New(env, s.data(), s.size()); }

class TarExtractor;

class ExtractWorker final : public PromiseWorker {
 public:
  // chunk empty: finish() (the delayed directory attributes).
  ExtractWorker(TarExtractor* owner, const Napi::Buffer<uint8_t>* chunk, size_t start, size_t end);

 private:
  void Run() override;
  Napi::Value Result(Napi::Env env) override { return result_tuple(env, result_); }
  void Settled() override;

  TarExtractor* owner_;
  const uint8_t* data_ = nullptr;
  size_t len_ = 0;
  bool finish_;
  pf::tar::FeedResult result_;
};

class TarExtractor final : public Napi::ObjectWrap<TarExtractor> {
 public:
  static Napi::Function Class(Napi::Env env) {
    return DefineClass(
        env, "TarExtractor",
        {InstanceMethod<&TarExtractor::Feed>("feed"), InstanceMethod<&TarExtractor::StoppedMember>("stoppedMember"),
         InstanceMethod<&TarExtractor::Forget>("forget"), InstanceMethod<&TarExtractor::End>("end"),
         InstanceMethod<&TarExtractor::Finish>("finish"), InstanceMethod<&TarExtractor::Close>("close")});
  }

  explicit TarExtractor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TarExtractor>(info) {
    std::string root = string_arg(info, 0, "root");
    int err = 0;
    extractor_ = pf::tar::TreeExtractor::open(root, options_arg(info, 1), err);
    if (!extractor_) throw errno_error(info.Env(), "open", err);
  }

 private:
  friend class ExtractWorker;

  pf::tar::TreeExtractor& usable(Napi::Env env, const char* call) {
    if (!extractor_) throw coded_error(env, "ERR_CLOSED", std::string("TarExtractor.") + call + "() after close()");
    if (busy_) throw coded_error(env, "ERR_BUSY", std::string("TarExtractor.") + call + "() while a job is in flight");
    return *extractor_;
  }

  Napi::Value Feed(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    usable(env, "feed");
    Napi::Buffer<uint8_t> chunk = buffer_arg(info, 0, "chunk");
    const auto len = static_cast<int64_t>(chunk.Length());
    auto start = static_cast<size_t>(int_arg(info, 1, "start", 0, len));
    auto end = static_cast<size_t>(int_arg(info, 2, "end", static_cast<int64_t>(start), len));
    busy_ = true;
    return (new ExtractWorker(this, &chunk, start, end))->Start();
  }

  Napi::Value Finish(const Napi::CallbackInfo& info) {
    usable(info.Env(), "finish");
    busy_ = true;
    return (new ExtractWorker(this, nullptr, 0, 0))->Start();
  }

  Napi::Value StoppedMember(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const pf::tar::MemberHeader& h = usable(env, "stoppedMember").stopped_member();
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", bytes_string(env, h.name));
    o.Set("linkname", bytes_string(env, h.linkname));
    o.Set("type", Napi::String::New(env, std::string(1, h.type)));
    o.Set("mode", Napi::Number::New(env, h.mode));
    o.Set("uid", Napi::Number::New(env, static_cast<double>(h.uid)));
    o.Set("gid", Napi::Number::New(env, static_cast<double>(h.gid)));
    o.Set("uname", bytes_string(env, h.uname));
    o.Set("gname", bytes_string(env, h.gname));
    o.Set("size", Napi::Number::New(env, static_cast<double>(h.size)));
    o.Set("mtime", Napi::Number::New(env, static_cast<double>(h.mtime)));
    if (h.has_atime) o.Set("atime", Napi::Number::New(env, static_cast<double>(h.atime)));
    if (h.has_ctime) o.Set("ctime", Napi::Number::New(env, static_cast<double>(h.ctime)));
    o.Set("devmajor", Napi::Number::New(env, static_cast<double>(h.devmajor)));
    o.Set("devminor", Napi::Number::New(env, static_cast<double>(h.devminor)));
    const char* magic = h.magic == pf::tar::Magic::Gnu ? "gnu" : h.magic == pf::tar::Magic::Ustar ? "ustar" : "v7";
    o.Set("magic", Napi::String::New(env, magic));
    o.Set("offset", Napi::Number::New(env, static_cast<double>(h.offset)));
    if (h.has_dumpdir)
      o.Set("dumpdir",
            Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(h.dumpdir.data()), h.dumpdir.size()));
    o.Set("dataSize", Napi::Number::New(env, static_cast<double>(h.data_size)));
    o.Set("padding", Napi::Number::New(env, static_cast<double>(h.padding)));
    return o;
  }

  Napi::Value Forget(const Napi::CallbackInfo& info) {
    usable(info.Env(), "forget").forget();
    return info.Env().Undefined();
  }

  Napi::Value End(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    pf::tar::FeedResult r = usable(env, "end").end();
    Napi::Array a = Napi::Array::New(env, 2);
    a.Set(0u, Napi::String::New(env, r.status == pf::Status::Ok ? "" : pf::status_name(r.status)));
    a.Set(1u, Napi::String::New(env, r.message));
    return a;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (busy_) throw coded_error(info.Env(), "ERR_BUSY", "TarExtractor.close() while a job is in flight");
    extractor_.reset();
    return info.Env().Undefined();
  }

  std::unique_ptr<pf::tar::TreeExtractor> extractor_;
  bool busy_ = false;
};

ExtractWorker::ExtractWorker(TarExtractor* owner, const Napi::Buffer<uint8_t>* chunk, size_t start, size_t end)
    : PromiseWorker(owner->Env(), "permafrost:tarExtract"), owner_(owner), finish_(chunk == nullptr) {
  Keep(owner->Value());
  if (chunk) {
    Keep(*chunk);
    data_ = chunk->Data() + start;
    len_ = end - start;
  }
}

void ExtractWorker::Run() { result_ = finish_ ? owner_->extractor_->finish() : owner_->extractor_->feed(data_, len_); }

void ExtractWorker::Settled() { owner_->busy_ = false; }

}  // namespace

Napi::Function TarExtractorClass(Napi::Env env) { return TarExtractor::Class(env); }

}  // namespace pfn
