// Digest: running SHA-256 (+HMAC) fed on the libuv pool; final() is cheap and synchronous.
#include <cstring>

#include "../core/digest.h"
#include "args.h"
#include "exports.h"
#include "worker.h"

namespace pfn {
namespace {

Napi::Buffer<uint8_t> hash_buffer(Napi::Env env, const pf::Hash& h) {
  return Napi::Buffer<uint8_t>::Copy(env, h.data(), h.size());
}

// A segment's SHA-256, followed by its MD5 when they were asked for.
Napi::Buffer<uint8_t> segment_buffer(Napi::Env env, const pf::Hash& h, const pf::Md5* md5) {
  if (!md5) return hash_buffer(env, h);
  auto b = Napi::Buffer<uint8_t>::New(env, h.size() + md5->size());
  std::memcpy(b.Data(), h.data(), h.size());
  std::memcpy(b.Data() + h.size(), md5->data(), md5->size());
  return b;
}

Napi::Array segment_array(Napi::Env env, const std::vector<pf::Hash>& hashes, const std::vector<pf::Md5>& md5s) {
  Napi::Array a = Napi::Array::New(env, hashes.size());
  for (size_t i = 0; i < hashes.size(); ++i) {
    a.Set(static_cast<uint32_t>(i), segment_buffer(env, hashes[i], i < md5s.size() ? &md5s[i] : nullptr));
  }
  return a;
}

// 0 = every update is its own segment; otherwise whole segments of this many bytes.
uint64_t segment_size_arg(const Napi::CallbackInfo& info) {
  if (info.Length() < 2 || info[1].IsUndefined()) return 0;
  if (!info[1].IsNumber()) throw Napi::TypeError::New(info.Env(), "segmentSize must be a number");
  double v = info[1].As<Napi::Number>().DoubleValue();
  if (!(v >= 0 && v <= 9007199254740991.0) || v != static_cast<double>(static_cast<uint64_t>(v))) {
    throw Napi::RangeError::New(info.Env(), "segmentSize must be an integer >= 0");
  }
  return static_cast<uint64_t>(v);
}

class Digest : public Napi::ObjectWrap<Digest> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Digest",
                       {InstanceMethod<&Digest::Update>("update"), InstanceMethod<&Digest::Final>("final"),
                        InstanceAccessor<&Digest::Kernel>("kernel")});
  }

  explicit Digest(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Digest>(info) {
    pf::Status s;
    uint64_t segment_size = segment_size_arg(info);
    bool md5 = info.Length() > 2 && !info[2].IsUndefined() && bool_arg(info, 2, "segmentMd5");
    if (md5 && segment_size == 0) throw Napi::RangeError::New(info.Env(), "segmentMd5 needs a segmentSize");
    if (info[0].IsNull() || info[0].IsUndefined()) {
      s = stream_.init(false, nullptr, 0, segment_size, md5);
    } else {
      Napi::Buffer<uint8_t> key = buffer_arg(info, 0, "hmacKey");
      s = stream_.init(true, key.Data(), key.Length(), segment_size, md5);
    }
    if (s != pf::Status::Ok) throw status_error(info.Env(), s, "cannot initialise SHA-256/HMAC");
    segmented_ = segment_size > 0;
  }

 private:
  friend class DigestWorker;
  Napi::Value Update(const Napi::CallbackInfo& info);
  Napi::Value Final(const Napi::CallbackInfo& info);
  Napi::Value Kernel(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), stream_.kernel()); }
  void CheckIdle(Napi::Env env) const;

  pf::DigestStream stream_;
  bool segmented_ = false;
  bool busy_ = false;
  bool finished_ = false;
};

class DigestWorker final : public PromiseWorker {
 public:
  DigestWorker(Digest* owner, Napi::Buffer<uint8_t> data)
      : PromiseWorker(owner->Env(), "permafrost.Digest.update"),
        owner_(owner),
        data_(data.Data()),
        len_(data.Length()) {
    Keep(owner->Value());
    Keep(data);
  }

 private:
  void Run() override {
    pf::Status s = owner_->stream_.update(data_, len_, &completed_, &md5s_);
    if (s != pf::Status::Ok) Fail(s, "SHA-256 update failed");
  }
  // Unsegmented: the hash of this update's data; segmented: the segments it completed.
  Napi::Value Result(Napi::Env env) override {
    if (!segmented_) return hash_buffer(env, completed_.at(0));
    return segment_array(env, completed_, md5s_);
  }
  void Settled() override { owner_->busy_ = false; }

  Digest* owner_;
  const uint8_t* data_;
  size_t len_;
  bool segmented_ = owner_->segmented_;
  std::vector<pf::Hash> completed_;
  std::vector<pf::Md5> md5s_;
};

void Digest::CheckIdle(Napi::Env env) const {
  if (finished_) throw coded_error(env, "ERR_FINISHED", "Digest.final() was already called");
  if (busy_) throw coded_error(env, "ERR_BUSY", "Digest.update() is already in flight");
}

Napi::Value Digest::Update(const Napi::CallbackInfo& info) {
  Napi::Buffer<uint8_t> data = buffer_arg(info, 0, "data");
  CheckIdle(info.Env());
  auto* worker = new DigestWorker(this, data);
  busy_ = true;
  return worker->Start();
}

Napi::Value Digest::Final(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckIdle(env);
  finished_ = true;
  pf::Hash sha{}, hmac{};
  std::vector<pf::Hash> last;
  std::vector<pf::Md5> last_md5;
  pf::Status s = stream_.final(&sha, &hmac, &last, &last_md5);
  if (s != pf::Status::Ok) throw status_error(env, s, "SHA-256 final failed");
  Napi::Array r = Napi::Array::New(env, 3);
  r.Set(0u, hash_buffer(env, sha));
  r.Set(1u, stream_.keyed() ? Napi::Value(hash_buffer(env, hmac)) : env.Null());
  r.Set(2u, last.empty() ? env.Null()
                         : Napi::Value(segment_buffer(env, last[0], last_md5.empty() ? nullptr : &last_md5[0])));
  return r;
}

}  // namespace

Napi::Function DigestClass(Napi::Env env) { return Digest::Define(env); }

}  // namespace pfn
