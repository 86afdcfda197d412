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
        member_.pooled ? Napi::Buffer<uint8_t>::New(env, member_.data.get(), member_.size,
                                                    [](Napi::Env, uint8_t* p) { pf::member_output_pool().give(p); })
                       : Napi::Buffer<uint8_t>::New(env, member_.data.get(), member_.size,
                                                    [](Napi::Env, uint8_t* p) { std::free(p); });
    member_.data.release();
    return buf;
  }

  pf::CodecKind kind_;
  int level_;
  const uint8_t* in_;
  size_t in_len_;
  pf::Member member_;
};

// compressMemberInto(): the same member, written into a caller-owned Buffer that the caller
// recycles as soon as it is stored; resolves its length, or -1 when it needs more room.
class CompressIntoWorker final : public PromiseWorker {
 public:
  CompressIntoWorker(Napi::Env env, pf::CodecKind kind, int level, Napi::Buffer<uint8_t> input,
                     Napi::Buffer<uint8_t> output)
      : PromiseWorker(env, "permafrost.compressMemberInto"),
        kind_(kind),
        level_(level),
        in_(input.Data()),
        in_len_(input.Length()),
        out_(output.Data()),
        out_cap_(output.Length()) {
    Keep(input);
    Keep(output);
  }

 private:
  void Run() override {
    std::string message;
    pf::Status s = pf::compress_member_into(kind_, level_, in_, in_len_, out_, out_cap_, &size_, &fits_, &message);
    if (s != pf::Status::Ok) Fail(s, message);
  }
  Napi::Value Result(Napi::Env env) override { return Napi::Number::New(env, fits_ ? static_cast<double>(size_) : -1); }

  pf::CodecKind kind_;
  int level_;
  const uint8_t* in_;
  size_t in_len_;
  uint8_t* out_;
  size_t out_cap_;
  size_t size_ = 0;
  bool fits_ = true;
};

pf::CodecKind kind_arg(const Napi::CallbackInfo& info) {
  pf::CodecKind kind;
  if (!info[0].IsString() || !pf::parse_codec_kind(info[0].As<Napi::String>().Utf8Value(), &kind)) {
    throw Napi::TypeError::New(info.Env(), "kind must be one of 'gzip', 'bzip2', 'xz', 'zstd'");
  }
  return kind;
}

int level_arg(const Napi::CallbackInfo& info, pf::CodecKind kind) {
  return static_cast<int>(int_arg(info, 1, "level", pf::codec_min_level(kind), pf::codec_max_level(kind),
                                  std::string(" for ") + pf::codec_kind_name(kind)));
}

}  // namespace

Napi::Value CompressMemberInto(const Napi::CallbackInfo& info) {
  pf::CodecKind kind = kind_arg(info);
  int level = level_arg(info, kind);
  Napi::Buffer<uint8_t> input = buffer_arg(info, 2, "input");
  Napi::Buffer<uint8_t> output = buffer_arg(info, 3, "output");
  if (output.Length() == 0) throw Napi::RangeError::New(info.Env(), "output must not be empty");
  // The job reads one and writes the other at the same time: they must not share bytes.
  if (output.Data() < input.Data() + input.Length() && input.Data() < output.Data() + output.Length()) {
    throw Napi::RangeError::New(info.Env(), "input and output must not overlap");
  }
  return (new CompressIntoWorker(info.Env(), kind, level, input, output))->Start();
}

Napi::Value MemberCapacity(const Napi::CallbackInfo& info) {
  auto n = static_cast<size_t>(int_arg(info, 0, "inputLength", 0, int64_t{1} << 40));
  return Napi::Number::New(info.Env(), static_cast<double>(pf::member_capacity(n)));
}

Napi::Value CompressMember(const Napi::CallbackInfo& info) {
  pf::CodecKind kind = kind_arg(info);
  int level = level_arg(info, kind);
  Napi::Buffer<uint8_t> input = buffer_arg(info, 2, "input");
  return (new CompressWorker(info.Env(), kind, level, input))->Start();
}

}  // namespace pfn
