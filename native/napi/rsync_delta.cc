// DeltaJob (streaming, caller buffers) and deltaFile (fd to fd, on the pool).
#include "../core/rsync/delta.h"
#include "../core/rsync/parallel_delta.h"
#include "exports.h"
#include "rsync_glue.h"

namespace pfn {
namespace {

class DeltaJob : public Napi::ObjectWrap<DeltaJob> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "DeltaJob", {InstanceMethod<&DeltaJob::Iterate>("iterate")});
  }

  // (signature, literalCap?)
  explicit DeltaJob(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DeltaJob>(info) {
    SignaturePtr set = signature_arg(info, 0);
    pf::Status s = job_.begin(std::move(set), literal_cap_arg(info, 1));
    if (s != pf::Status::Ok) throw status_error(info.Env(), s, "cannot start the delta job");
  }

 private:
  Napi::Value Iterate(const Napi::CallbackInfo& info) {
    return start_iterate(info, Value(), &job_, &busy_, "DeltaJob.iterate()");
  }

  pf::rsync::DeltaJob job_;
  bool busy_ = false;
};

}  // namespace

Napi::Function DeltaJobClass(Napi::Env env) { return DeltaJob::Define(env); }

// deltaFile(signature, newFd, outFd, literalCap?, durable?, threads?): durable = the caller
// will fdatasync outFd; threads = how many ranges of a regular file to scan at once
// (undefined: by size and cores; the output is the same whatever the number).
Napi::Value DeltaFile(const Napi::CallbackInfo& info) {
  SignaturePtr set = signature_arg(info, 0);
  int new_fd = fd_arg(info, 1, "newFd"), out_fd = fd_arg(info, 2, "outFd");
  size_t cap = literal_cap_arg(info, 3);
  bool durable = info.Length() > 4 && !info[4].IsUndefined() && bool_arg(info, 4, "durable");
  int64_t asked = info.Length() > 5 && !info[5].IsUndefined() ? rsync_int_arg(info, 5, "threads", 1, 64) : 0;
  int64_t size = pf::rsync::fd_file_size(new_fd);
  unsigned threads = size < 0 || set->block_count() == 0 ? 1
                     : asked > 0                         ? static_cast<unsigned>(asked)
                                                         : pf::rsync::parallel_delta_threads(*set, size);
  auto task = [set, new_fd, out_fd, cap, durable, size, threads](pf::rsync::FdTotals* totals, std::string* why) {
    if (threads > 1) return pf::rsync::parallel_delta_fd(set, cap, new_fd, size, threads, out_fd, durable, totals, why);
    pf::rsync::DeltaJob job;
    pf::Status s = job.begin(set, cap);
    if (s != pf::Status::Ok) return s;
    return pf::rsync::drive_fds(&job, new_fd, out_fd, totals, why, durable);
  };
  return (new FileWorker(info.Env(), "deltaFile", task))->Start();
}

}  // namespace pfn
