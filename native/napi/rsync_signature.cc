// SignatureJob (streaming, caller buffers) and signatureFile (fd to fd, on the pool).
#include "../core/rsync/parallel_signature.h"
#include "../core/rsync/signature.h"
#include "exports.h"
#include "rsync_glue.h"

namespace pfn {
namespace {

class SignatureJob : public Napi::ObjectWrap<SignatureJob> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "SignatureJob", {InstanceMethod<&SignatureJob::Iterate>("iterate")});
  }

  // (blockLength, strongLength, magic, fileSize?): fileSize feeds rdiff's defaults
  // (blockLength 0 / strongLength -1); without it they are rdiff's for a pipe.
  explicit SignatureJob(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SignatureJob>(info) {
    int64_t size = info[3].IsUndefined() ? -1 : rsync_int_arg(info, 3, "fileSize", -1, (int64_t{1} << 53) - 1);
    pf::rsync::SigParams params = sig_params_arg(info, 0, size);
    pf::Status s = job_.begin(params);
    if (s != pf::Status::Ok) throw status_error(info.Env(), s, "invalid signature parameters");
  }

 private:
  Napi::Value Iterate(const Napi::CallbackInfo& info) {
    return start_iterate(info, Value(), &job_, &busy_, "SignatureJob.iterate()");
  }

  pf::rsync::SignatureJob job_;
  bool busy_ = false;
};

}  // namespace

Napi::Function SignatureJobClass(Napi::Env env) { return SignatureJob::Define(env); }

// signatureFile(inFd, outFd, blockLength, strongLength, magic)
Napi::Value SignatureFile(const Napi::CallbackInfo& info) {
  int in_fd = fd_arg(info, 0, "inFd"), out_fd = fd_arg(info, 1, "outFd");
  int64_t size = pf::rsync::fd_file_size(in_fd);
  pf::rsync::SigParams params = sig_params_arg(info, 2, size);
  auto task = [in_fd, out_fd, params, size](pf::rsync::FdTotals* totals, std::string* why) {
    unsigned threads = pf::rsync::parallel_signature_threads(params, size);
    if (threads > 1) return pf::rsync::parallel_signature_fd(params, in_fd, size, threads, out_fd, totals, why);
    pf::rsync::SignatureJob job;
    pf::Status s = job.begin(params);
    if (s != pf::Status::Ok) return s;
    return pf::rsync::drive_fds(&job, in_fd, out_fd, totals, why);
  };
  return (new FileWorker(info.Env(), "signatureFile", task))->Start();
}

}  // namespace pfn
