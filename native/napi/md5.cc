// md5(buffers): the MD5 of the concatenated Buffers, computed on the libuv pool. Object stores
// check uploads against it (Swift's ETag, S3's Content-MD5); hashing a segment on the main
// thread would stall the pipeline for ~50 ms per 32 MiB.
#include <vector>

#include "../core/digest.h"
#include "exports.h"
#include "worker.h"

namespace pfn {
namespace {

class Md5Worker final : public PromiseWorker {
 public:
  Md5Worker(Napi::Env env, const Napi::Array& buffers) : PromiseWorker(env, "permafrost:md5") {
    Keep(buffers);
    pieces_.reserve(buffers.Length());
    for (uint32_t i = 0; i < buffers.Length(); ++i) {
      auto b = buffers.Get(i).As<Napi::Buffer<uint8_t>>();
      pieces_.push_back({b.Data(), b.Length()});
    }
  }

 private:
  void Run() override {
    pf::Status s = pf::md5_pieces(pieces_.data(), pieces_.size(), &out_);
    if (s != pf::Status::Ok) Fail(s, "MD5 failed");
  }
  Napi::Value Result(Napi::Env env) override { return Napi::Buffer<uint8_t>::Copy(env, out_.data(), out_.size()); }

  std::vector<pf::Piece> pieces_;
  std::array<uint8_t, pf::kMd5Bytes> out_{};
};

}  // namespace

Napi::Value Md5(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "md5: an array of Buffers expected");
  Napi::Array buffers = info[0].As<Napi::Array>();
  // Checked before the worker exists, so a bad call leaves nothing queued or pinned.
  for (uint32_t i = 0; i < buffers.Length(); ++i) {
    if (!buffers.Get(i).IsBuffer()) throw Napi::TypeError::New(env, "md5: every element must be a Buffer");
  }
  // The array is pinned, and so are the Buffers it holds while the caller keeps them unchanged.
  auto* worker = new Md5Worker(env, buffers);
  return worker->Start();
}

}  // namespace pfn
