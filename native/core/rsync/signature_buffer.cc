#include "signature_buffer.h"

namespace pf::rsync {

Status SignatureBuffer::begin(const SigParams& params, uint64_t size) {
  job_ = SignatureJob();  // a job is for one input: begin() alone would keep the last one's end
  Status s = job_.begin(params);
  if (s != Status::Ok) return s;
  // Zero-filling the exact size costs nothing next to hashing it; a fixed window per call
  // did (fresh pages for every small file).
  const uint64_t blocks = (size + params.block_len - 1) / params.block_len;
  out_.assign(kSigHeaderBytes + blocks * (4 + params.strong_len), 0);
  produced_ = 0;
  return Status::Ok;
}

// A SignatureJob never fails once begun: it stops when the input is used up (or, at eof,
// when it is done) or when the output window is full, which the loop widens.
void SignatureBuffer::run(const uint8_t* p, size_t n, bool eof) {
  for (;;) {
    if (produced_ == out_.size()) out_.resize(out_.size() + out_.size() / 2 + 64);
    JobResult r = job_.iterate(p, n, eof, out_.data() + produced_, out_.size() - produced_);
    if (r.status != Status::Ok) return;  // not begun: nothing to build
    produced_ += r.produced;
    p += r.consumed;
    n -= r.consumed;
    if (r.done || (!eof && n == 0 && produced_ < out_.size())) return;
  }
}

void SignatureBuffer::add(const uint8_t* p, size_t n) { run(p, n, false); }

std::vector<uint8_t> SignatureBuffer::finish() {
  run(nullptr, 0, true);
  out_.resize(produced_);
  produced_ = 0;
  return std::move(out_);
}

}  // namespace pf::rsync
