#include "signature_buffer.h"

namespace pf::rsync {
namespace {

// Output room per iterate call: one record per block, so a few KiB cover a MiB of input.
constexpr size_t kOutStep = 16384;

}  // namespace

Status SignatureBuffer::begin(const SigParams& params) {
  out_.clear();
  job_ = SignatureJob();  // a job is for one input: begin() alone would keep the last one's end
  return job_.begin(params);
}

// A SignatureJob never fails once begun: it only stops when the input is used up (or, at
// eof, when it is done) or the output window is full, which the loop widens.
void SignatureBuffer::run(const uint8_t* p, size_t n, bool eof) {
  for (;;) {
    const size_t at = out_.size();
    out_.resize(at + kOutStep);
    JobResult r = job_.iterate(p, n, eof, out_.data() + at, kOutStep);
    out_.resize(at + r.produced);
    if (r.status != Status::Ok) return;  // not begun: nothing to build
    p += r.consumed;
    n -= r.consumed;
    if (r.done || (!eof && n == 0 && r.produced < kOutStep)) return;
  }
}

void SignatureBuffer::add(const uint8_t* p, size_t n) { run(p, n, false); }

std::vector<uint8_t> SignatureBuffer::finish() {
  run(nullptr, 0, true);
  return std::move(out_);
}

}  // namespace pf::rsync
