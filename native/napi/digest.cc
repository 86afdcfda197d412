// Digest: running SHA-256 (+HMAC) fed on the libuv pool; final() is cheap and synchronous.
#include "../core/digest.h"
#include "args.h"
#include "exports.h"
#include "worker.h"

namespace pfn {
namespace {

Napi::Buffer<uint8_t> hash_buffer(Napi::Env env, const pf::Hash& h) {
  return Napi::Buffer<uint8_t>::Copy(env, h.data(), h.size());
}

class Digest : public Napi::ObjectWrap<Digest> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Digest",
                       {InstanceMethod<&Digest::Update>("update"), InstanceMethod<&Digest::Final>("final")});
  }

  explicit Digest(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Digest>(info) {
    pf::Status s;
    if (info[0].IsNull() || info[0].IsUndefined()) {
      s = stream_.init(false, nullptr, 0);
    } else {
      Napi::Buffer<uint8_t> key = buffer_arg(info, 0, "hmacKey");
      s = stream_.init(true, key.Data(), key.Length());
    }
    if (s != pf::Status::Ok) throw status_error(info.Env(), s, "cannot initialise SHA-256/HMAC");
  }

 private:
  friend class DigestWorker;
  Napi::Value Update(const Napi::CallbackInfo& info);
  Napi::Value Final(const Napi::CallbackInfo& info);
  void CheckIdle(Napi::Env env) const;

  pf::DigestStream stream_;
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
    pf::Status s = owner_->stream_.update(data_, len_, &segment_);
    if (s != pf::Status::Ok) Fail(s, "SHA-256 update failed");
  }
  Napi::Value Result(Napi::Env env) override { return hash_buffer(env, segment_); }
  void Settled() override { owner_->busy_ = false; }

  Digest* owner_;
  const uint8_t* data_;
  size_t len_;
  pf::Hash segment_{};
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
  pf::Status s = stream_.final(&sha, &hmac);
  if (s != pf::Status::Ok) throw status_error(env, s, "SHA-256 final failed");
  Napi::Array r = Napi::Array::New(env, 2);
  r.Set(0u, hash_buffer(env, sha));
  r.Set(1u, stream_.keyed() ? Napi::Value(hash_buffer(env, hmac)) : env.Null());
  return r;
}

}  // namespace

Napi::Function DigestClass(Napi::Env env) { return Digest::Define(env); }

}  // namespace pfn
