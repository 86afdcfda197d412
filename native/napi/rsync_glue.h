// Shared N-API glue of the rsync exports (rsync_*.cc): argument checks that reject with
// ERR_PARAM, the async iterate() worker every job object uses, the whole-file worker, and
// the opaque Signature object (a plain object, type-tagged, wrapping a shared_ptr).
#pragma once

#include <napi.h>

#include <functional>
#include <memory>
#include <string>

#include "../core/rsync/fd_job.h"
#include "../core/rsync/sigformat.h"
#include "../core/rsync/sigload.h"
#include "args.h"
#include "errors.h"
#include "worker.h"

namespace pfn {

// An integer in lo..hi; TypeError when not a number, ERR_PARAM when out of range.
inline int64_t rsync_int_arg(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t lo, int64_t hi) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) ||
      d != static_cast<double>(static_cast<int64_t>(d))) {
    throw status_error(info.Env(), pf::Status::Param,
                       std::string(name) + " must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return static_cast<int64_t>(d);
}

inline int fd_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return static_cast<int>(rsync_int_arg(info, i, name, 0, 0x7fffffff));
}

// 'rs-md4' | 'rs-blake2' | 'rk-md4' | 'rk-blake2'; undefined = 'rk-blake2' (rdiff's default).
inline uint32_t magic_arg(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsUndefined()) return pf::rsync::kMagicRkBlake2;
  uint32_t magic = 0;
  if (!info[i].IsString() || !pf::rsync::magic_from_name(info[i].As<Napi::String>().Utf8Value(), &magic)) {
    throw status_error(info.Env(), pf::Status::Param,
                       "magic must be one of 'rs-md4', 'rs-blake2', 'rk-md4', 'rk-blake2'");
  }
  return magic;
}

// blockLength (0 = rdiff's recommendation), strongLength (0 = max, -1 = min), magic, at
// info[first..first+2], resolved as rs_sig_args does for a file of `size` (-1: unknown).
inline pf::rsync::SigParams sig_params_arg(const Napi::CallbackInfo& info, size_t first, int64_t size) {
  int64_t block = rsync_int_arg(info, first, "blockLength", 0, pf::rsync::kMaxBlockLen);
  int64_t strong = rsync_int_arg(info, first + 1, "strongLength", -1, pf::rsync::kMaxStrongBytes);
  uint32_t magic = magic_arg(info, first + 2);
  pf::rsync::SigParams params;
  std::string why;
  pf::Status s = pf::rsync::resolve_sig_params(size, magic, block, strong, &params, &why);
  if (s != pf::Status::Ok) throw status_error(info.Env(), s, why);
  return params;
}

// Optional literal-run cap: 32768 (rdiff 2.3.2) unless given; 65533 matches librsync >= 2.3.3.
inline size_t literal_cap_arg(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsUndefined()) return pf::rsync::kLiteralCap232;
  return static_cast<size_t>(rsync_int_arg(info, i, "literalCap", 1, 1 << 20));
}

inline void check_no_overlap(Napi::Env env, const Napi::Buffer<uint8_t>& a, const Napi::Buffer<uint8_t>& b) {
  const uint8_t *pa = a.Data(), *pb = b.Data();
  if (a.Length() && b.Length() && pa < pb + b.Length() && pb < pa + a.Length()) {
    throw Napi::RangeError::New(env, "input and output must not overlap");
  }
}

// iterate(input, output, eof) of a job object -> [consumed, produced, done].
template <class Job>
class IterateWorker final : public PromiseWorker {
 public:
  IterateWorker(Napi::Object owner, Job* job, bool* busy, Napi::Buffer<uint8_t> in, Napi::Buffer<uint8_t> out, bool eof,
                const char* name)
      : PromiseWorker(owner.Env(), name),
        job_(job),
        busy_(busy),
        in_(in.Data()),
        in_len_(in.Length()),
        out_(out.Data()),
        out_len_(out.Length()),
        eof_(eof) {
    Keep(owner);
    Keep(in);
    Keep(out);
  }

 private:
  void Run() override {
    result_ = job_->iterate(in_, in_len_, eof_, out_, out_len_);
    if (result_.status != pf::Status::Ok) Fail(result_.status, result_.message);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Array r = Napi::Array::New(env, 3);
    r.Set(0u, Napi::Number::New(env, static_cast<double>(result_.consumed)));
    r.Set(1u, Napi::Number::New(env, static_cast<double>(result_.produced)));
    r.Set(2u, Napi::Boolean::New(env, result_.done));
    return r;
  }
  void Settled() override { *busy_ = false; }

  Job* job_;
  bool* busy_;
  const uint8_t* in_;
  size_t in_len_;
  uint8_t* out_;
  size_t out_len_;
  bool eof_;
  pf::rsync::JobResult result_;
};

template <class Job>
Napi::Value start_iterate(const Napi::CallbackInfo& info, Napi::Object owner, Job* job, bool* busy, const char* name) {
  Napi::Env env = info.Env();
  Napi::Buffer<uint8_t> in = buffer_arg(info, 0, "input");
  Napi::Buffer<uint8_t> out = buffer_arg(info, 1, "output");
  bool eof = bool_arg(info, 2, "eof");
  check_no_overlap(env, in, out);
  if (*busy) throw coded_error(env, "ERR_BUSY", std::string(name) + " is already in flight");
  auto* worker = new IterateWorker<Job>(owner, job, busy, in, out, eof, name);
  *busy = true;
  return worker->Start();
}

// A whole-file job over file descriptors on the pool -> { inBytes, outBytes }.
class FileWorker final : public PromiseWorker {
 public:
  using Task = std::function<pf::Status(pf::rsync::FdTotals*, std::string*)>;
  FileWorker(Napi::Env env, const char* name, Task task)
      : PromiseWorker(env, name), name_(name), task_(std::move(task)) {}

 private:
  void Run() override {
    std::string why;
    pf::Status s = task_(&totals_, &why);
    if (s != pf::Status::Ok) Fail(s, std::string(name_) + ": " + why);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object r = Napi::Object::New(env);
    r.Set("inBytes", Napi::Number::New(env, static_cast<double>(totals_.in_bytes)));
    r.Set("outBytes", Napi::Number::New(env, static_cast<double>(totals_.out_bytes)));
    return r;
  }

  const char* name_;
  Task task_;
  pf::rsync::FdTotals totals_;
};

using SignaturePtr = std::shared_ptr<const pf::rsync::SignatureSet>;

// Defined in rsync_sigload.cc.
Napi::Object NewSignatureObject(Napi::Env env, SignaturePtr set);
// The set inside a Signature from loadSignature(); TypeError for anything else.
SignaturePtr signature_arg(const Napi::CallbackInfo& info, size_t i);

}  // namespace pfn
