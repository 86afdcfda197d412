// CodecStream: a streaming (de)compressor whose process() runs on the libuv pool.
#include <memory>

#include "../core/codec.h"
#include "args.h"
#include "exports.h"
#include "worker.h"

namespace pfn {
namespace {

class CodecStream : public Napi::ObjectWrap<CodecStream> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "CodecStream",
        {InstanceMethod<&CodecStream::Process>("process"), InstanceMethod<&CodecStream::Close>("close")});
  }

  explicit CodecStream(const Napi::CallbackInfo& info);

 private:
  friend class ProcessWorker;

  Napi::Value Process(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  void Settled();

  std::unique_ptr<pf::Codec> codec_;
  bool busy_ = false;
  bool close_pending_ = false;  // close() arrived while a worker was using codec_
};

class ProcessWorker final : public PromiseWorker {
 public:
  ProcessWorker(CodecStream* owner, Napi::Buffer<uint8_t> input, Napi::Buffer<uint8_t> output, bool finish)
      : PromiseWorker(owner->Env(), "permafrost.CodecStream.process"),
        owner_(owner),
        codec_(owner->codec_.get()),
        in_(input.Data()),
        in_len_(input.Length()),
        out_(output.Data()),
        out_len_(output.Length()),
        finish_(finish) {
    Keep(owner->Value());
    Keep(input);
    Keep(output);
  }

 private:
  void Run() override {
    result_ = codec_->process(in_, in_len_, out_, out_len_, finish_);
    if (result_.status != pf::Status::Ok) Fail(result_.status, result_.message);
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Array r = Napi::Array::New(env, 3);
    r.Set(0u, Napi::Number::New(env, static_cast<double>(result_.consumed)));
    r.Set(1u, Napi::Number::New(env, static_cast<double>(result_.produced)));
    r.Set(2u, Napi::Boolean::New(env, result_.ended));
    return r;
  }

  void Settled() override { owner_->Settled(); }

  CodecStream* owner_;
  pf::Codec* codec_;
  const uint8_t* in_;
  size_t in_len_;
  uint8_t* out_;
  size_t out_len_;
  bool finish_;
  pf::CodecResult result_;
};

CodecStream::CodecStream(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CodecStream>(info) {
  Napi::Env env = info.Env();
  pf::CodecOptions o;
  if (!info[0].IsString() || !pf::parse_codec_kind(info[0].As<Napi::String>().Utf8Value(), &o.kind)) {
    throw Napi::TypeError::New(env, "kind must be one of 'gzip', 'bzip2', 'xz', 'zstd'");
  }
  o.decompress = bool_arg(info, 1, "decompress");
  // Decoders ignore the level; it only has to be a sane integer.
  int lo = o.decompress ? -1000 : pf::codec_min_level(o.kind), hi = o.decompress ? 1000 : pf::codec_max_level(o.kind);
  o.level = static_cast<int>(int_arg(info, 2, "level", lo, hi, std::string(" for ") + pf::codec_kind_name(o.kind)));
  o.threads = static_cast<int>(int_arg(info, 3, "threads", 1, pf::kMaxThreads));
  pf::Status status = pf::Status::Ok;
  std::string message;
  codec_ = pf::make_codec(o, &status, &message);
  if (!codec_) throw status_error(env, status, message);
}

Napi::Value CodecStream::Process(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Buffer<uint8_t> input = buffer_arg(info, 0, "input");
  Napi::Buffer<uint8_t> output = buffer_arg(info, 1, "output");
  bool finish = bool_arg(info, 2, "finish");
  if (!codec_ || close_pending_) throw coded_error(env, "ERR_CLOSED", "CodecStream is closed");
  if (busy_) throw coded_error(env, "ERR_BUSY", "CodecStream.process() is already in flight");
  const uint8_t *in = input.Data(), *out = output.Data();
  if (input.Length() && output.Length() && in < out + output.Length() && out < in + input.Length()) {
    throw Napi::RangeError::New(env, "input and output must not overlap");
  }
  auto* worker = new ProcessWorker(this, input, output, finish);
  busy_ = true;
  return worker->Start();
}

// Frees the library state now; deferred until the in-flight call settles if there is one.
void CodecStream::Close(const Napi::CallbackInfo&) {
  if (busy_) {
    close_pending_ = true;
  } else {
    codec_.reset();
  }
}

void CodecStream::Settled() {
  busy_ = false;
  if (close_pending_) codec_.reset();
}

}  // namespace

Napi::Function CodecStreamClass(Napi::Env env) { return CodecStream::Define(env); }

}  // namespace pfn
