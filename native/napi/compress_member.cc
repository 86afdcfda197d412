// compressMember(): one independent member per call, so the TS layer can keep several in
// flight on the libuv pool (pigz-style) and simply concatenate the results.
#include "../core/compress_member.h"
#include "args.h"
#include "exports.h"
#include "worker.h"

namespace pfn {
namespace {

class CompressWorker final : public PromiseWorker {
 public:
  CompressWorker(Napi::Env env, pf::CodecKind kind, int level, Napi::Buffer<uint8_t> input)
      : PromiseWorker(env, "permafrost.compressMember"),
        kind_(kind),
        level_(level),
        in_(input.Data()),
        in_len_(input.Length()) {
    Keep(input);
  }

 private:
  void Run() override {
    member_ = pf::compress_member(kind_, level_, in_, in_len_);
    if (member_.status != pf::Status::Ok) Fail(member_.status, member_.message);
  }

  // Hands the block to JS as-is; V8's finalizer frees it or returns it to the pool.
  Napi::Value Result(Napi::Env env) override {
    Napi::Buffer<uint8_t> buf =
        member_.pooled
            ? Napi::Buffer<uint8_t>::New(env, member_.data.get(), member_.size,
                                         [](Napi::Env, uint8_t* p) { pf::member_output_pool().give(p); })
            : Napi::Buffer<uint8_t>::New(env, member_.data.get(), member_.size, [](Napi::Env, uint8_t* p) { std::free(p); });
    member_.data.release();
    return buf;
  }

  pf::CodecKind kind_;
  int level_;
  const uint8_t* in_;
  size_t in_len_;
  pf::Member member_;
};

}  // namespace

Napi::Value CompressMember(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pf::CodecKind kind;
  if (!info[0].IsString() || !pf::parse_codec_kind(info[0].As<Napi::String>().Utf8Value(), &kind)) {
    throw Napi::TypeError::New(env, "kind must be one of 'gzip', 'bzip2', 'xz', 'zstd'");
  }
  int level = static_cast<int>(int_arg(info, 1, "level", pf::codec_min_level(kind), pf::codec_max_level(kind),
                                       std::string(" for ") + pf::codec_kind_name(kind)));
  Napi::Buffer<uint8_t> input = buffer_arg(info, 2, "input");
  return (new CompressWorker(env, kind, level, input))->Start();
}

}  // namespace pfn
