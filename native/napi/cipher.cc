// Cipher: AES-256-CFB128 in place on the libuv pool, one key stream across update() calls.
#include "../core/cipher.h"
#include "args.h"
#include "exports.h"
#include "worker.h"

namespace pfn {
namespace {

class Cipher : public Napi::ObjectWrap<Cipher> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Cipher", {InstanceMethod<&Cipher::Update>("update")});
  }

  explicit Cipher(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Cipher>(info) {
    Napi::Buffer<uint8_t> key = buffer_arg(info, 0, "key", pf::kAesKeyBytes);
    Napi::Buffer<uint8_t> iv = buffer_arg(info, 1, "iv", pf::kAesIvBytes);
    bool decrypt = bool_arg(info, 2, "decrypt");
    pf::Status s = stream_.init(key.Data(), iv.Data(), decrypt);
    if (s != pf::Status::Ok) throw status_error(info.Env(), s, "cannot initialise AES-256-CFB");
  }

 private:
  friend class UpdateWorker;
  Napi::Value Update(const Napi::CallbackInfo& info);

  pf::AesCfbStream stream_;
  bool busy_ = false;
};

class UpdateWorker final : public PromiseWorker {
 public:
  UpdateWorker(Cipher* owner, Napi::Buffer<uint8_t> data)
      : PromiseWorker(owner->Env(), "permafrost.Cipher.update"),
        owner_(owner),
        data_(data.Data()),
        len_(data.Length()) {
    Keep(owner->Value());
    slot_ = Keep(data);
  }

 private:
  void Run() override {
    pf::Status s = owner_->stream_.update(data_, len_);
    if (s != pf::Status::Ok) Fail(s, "AES-256-CFB update failed");
  }
  Napi::Value Result(Napi::Env) override { return Kept(slot_); }
  void Settled() override { owner_->busy_ = false; }

  Cipher* owner_;
  uint8_t* data_;
  size_t len_;
  size_t slot_;
};

Napi::Value Cipher::Update(const Napi::CallbackInfo& info) {
  Napi::Buffer<uint8_t> data = buffer_arg(info, 0, "data");
  // Two updates racing would interleave the key stream.
  if (busy_) throw coded_error(info.Env(), "ERR_BUSY", "Cipher.update() is already in flight");
  auto* worker = new UpdateWorker(this, data);
  busy_ = true;
  return worker->Start();
}

}  // namespace

Napi::Function CipherClass(Napi::Env env) { return Cipher::Define(env); }

}  // namespace pfn
