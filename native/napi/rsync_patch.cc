// PatchJob (streaming delta in caller buffers; basis a Buffer or an fd read with pread) and
// patchFile (fd to fd, on the pool).
#include "../core/rsync/patch.h"
#include "exports.h"
#include "rsync_glue.h"

namespace pfn {
namespace {

std::unique_ptr<pf::rsync::Basis> fd_basis(Napi::Env env, int fd) {
  auto basis = std::make_unique<pf::rsync::FdBasis>();
  std::string why;
  pf::Status s = basis->open(fd, &why);
  if (s != pf::Status::Ok) throw status_error(env, s, "basis fd " + std::to_string(fd) + ": " + why);
  return basis;
}

class PatchJob : public Napi::ObjectWrap<PatchJob> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "PatchJob", {InstanceMethod<&PatchJob::Iterate>("iterate")});
  }

  // (basis: Buffer | fd). A Buffer basis is referenced, not copied: do not modify it while
  // the job lives. An fd is not owned and its file offset is not moved.
  explicit PatchJob(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PatchJob>(info) {
    Napi::Env env = info.Env();
    std::unique_ptr<pf::rsync::Basis> basis;
    if (info[0].IsBuffer()) {
      Napi::Buffer<uint8_t> buf = info[0].As<Napi::Buffer<uint8_t>>();
      basis_ref_ = Napi::Persistent(buf.As<Napi::Object>());
      basis = std::make_unique<pf::rsync::MemoryBasis>(buf.Data(), buf.Length());
    } else if (info[0].IsNumber()) {
      basis = fd_basis(env, fd_arg(info, 0, "basis"));
    } else {
      throw Napi::TypeError::New(env, "basis must be a Buffer or a file descriptor");
    }
    pf::Status s = job_.begin(std::move(basis));
    if (s != pf::Status::Ok) throw status_error(env, s, "cannot start the patch job");
  }

 private:
  Napi::Value Iterate(const Napi::CallbackInfo& info) {
    return start_iterate(info, Value(), &job_, &busy_, "PatchJob.iterate()");
  }

  Napi::ObjectReference basis_ref_;
  pf::rsync::PatchJob job_;
  bool busy_ = false;
};

}  // namespace

Napi::Function PatchJobClass(Napi::Env env) { return PatchJob::Define(env); }

// patchFile(basisFd, deltaFd, outFd, durable?): durable = the caller will fdatasync outFd.
Napi::Value PatchFile(const Napi::CallbackInfo& info) {
  int basis_fd = fd_arg(info, 0, "basisFd"), delta_fd = fd_arg(info, 1, "deltaFd"), out_fd = fd_arg(info, 2, "outFd");
  bool durable = info.Length() > 3 && !info[3].IsUndefined() && bool_arg(info, 3, "durable");
  auto task = [basis_fd, delta_fd, out_fd, durable](pf::rsync::FdTotals* totals, std::string* why) {
    auto basis = std::make_unique<pf::rsync::FdBasis>();
    pf::Status s = basis->open(basis_fd, why);
    if (s != pf::Status::Ok) {
      *why = "basis: " + *why;
      return s;
    }
    pf::rsync::PatchJob job;
    job.pass_literals_through();
    s = job.begin(std::move(basis));
    if (s != pf::Status::Ok) return s;
    return pf::rsync::drive_fds(&job, delta_fd, out_fd, totals, why, durable);
  };
  return (new FileWorker(info.Env(), "patchFile", task))->Start();
}

}  // namespace pfn
