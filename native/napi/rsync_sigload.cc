// loadSignature(buffer) -> Promise<Signature>: parses a signature file on the pool into the
// block-sum set (off the JS heap). The Signature is a frozen plain object carrying
// magic/blockLength/strongLength/blockCount, type-tagged and wrapping a shared_ptr that
// DeltaJob/deltaFile share.
#include <cstring>

#include "exports.h"
#include "rsync_glue.h"

namespace pfn {
namespace {

// Random 128-bit tag; CheckTypeTag proves an object came from NewSignatureObject.
constexpr napi_type_tag kSignatureTag = {0x7a3c5e1f2b4d6a08ull, 0x91e2c4b6d8f0a3c5ull};

struct SignatureHolder {
  SignaturePtr set;
};

void finalize_holder(napi_env, void* data, void*) { delete static_cast<SignatureHolder*>(data); }

class LoadWorker final : public PromiseWorker {
 public:
  LoadWorker(Napi::Env env, Napi::Buffer<uint8_t> data)
      : PromiseWorker(env, "permafrost.loadSignature"), data_(data.Data()), len_(data.Length()) {
    Keep(data);
  }

 private:
  void Run() override {
    std::unique_ptr<pf::rsync::SignatureSet> set;
    std::string why;
    pf::Status s = pf::rsync::SignatureSet::load(data_, len_, &set, &why);
    if (s != pf::Status::Ok) {
      Fail(s, "loadSignature: " + why);
      return;
    }
    set_ = std::move(set);
  }
  Napi::Value Result(Napi::Env env) override { return NewSignatureObject(env, set_); }

  const uint8_t* data_;
  size_t len_;
  SignaturePtr set_;
};

}  // namespace

Napi::Object NewSignatureObject(Napi::Env env, SignaturePtr set) {
  const pf::rsync::SigParams& p = set->params();
  Napi::Object o = Napi::Object::New(env);
  o.Set("magic", Napi::String::New(env, pf::rsync::magic_name(p.magic)));
  o.Set("blockLength", Napi::Number::New(env, p.block_len));
  o.Set("strongLength", Napi::Number::New(env, p.strong_len));
  o.Set("blockCount", Napi::Number::New(env, static_cast<double>(set->block_count())));
  auto* holder = new SignatureHolder{std::move(set)};
  napi_status st = napi_wrap(env, o, holder, finalize_holder, nullptr, nullptr);
  if (st != napi_ok) {
    delete holder;
    throw coded_error(env, "ERR_INTERNAL", "cannot wrap the signature");
  }
  o.TypeTag(&kSignatureTag);
  o.Freeze();
  return o;
}

SignaturePtr signature_arg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  if (!info[i].IsObject() || !info[i].As<Napi::Object>().CheckTypeTag(&kSignatureTag)) {
    throw Napi::TypeError::New(env, "signature must be an object returned by loadSignature()");
  }
  void* data = nullptr;
  if (napi_unwrap(env, info[i], &data) != napi_ok || data == nullptr) {
    throw coded_error(env, "ERR_INTERNAL", "signature object has no native data");
  }
  return static_cast<SignatureHolder*>(data)->set;
}

Napi::Value LoadSignature(const Napi::CallbackInfo& info) {
  Napi::Buffer<uint8_t> data = buffer_arg(info, 0, "signature");
  return (new LoadWorker(info.Env(), data))->Start();
}

}  // namespace pfn
