#include "signature_buffer.h"

namespace pf::rsync {
namespace {

// Output memory kept from one file to the next (a signature of 1 GiB at 4 KiB blocks).
constexpr size_t kKeptBytes = size_t{4} << 20;

}  // namespace

Status SignatureBuffer::begin(const SigParams& params, uint64_t size) {
  job_ = SignatureJob();  // a job is for one input: begin() alone would keep the last one's end
  Status s = job_.begin(params);
  if (s != Status::Ok) return s;
  // Sized once for the whole file: a fixed window per call cost fresh pages for every small file.
  if (out_.capacity() > kKeptBytes) out_ = {};  // a huge file's records are not kept for the next
  const uint64_t blocks = (size + params.block_len - 1) / params.block_len;
  out_.resize(kSigHeaderBytes + blocks * (4 + params.strong_len));
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

void SignatureBuffer::finish(std::vector<uint8_t>* into) {
  run(nullptr, 0, true);
  into->insert(into->end(), out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(produced_));
  produced_ = 0;
}

}  // namespace pf::rsync
