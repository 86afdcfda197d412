// Shared helpers of the libFuzzer targets: drive a job over fuzzer-chosen chunk sizes.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "rsync/job.h"

namespace fuzz {

// Runs job over `in` in pieces of in_chunk bytes with out_chunk-byte outputs. Returns the
// final status; appends the output to *out. Aborts if the job stalls (a bug).
template <class Job>
pf::Status drive(Job* job, const uint8_t* in, size_t len, size_t in_chunk, size_t out_chunk, std::vector<uint8_t>* out) {
  std::vector<uint8_t> buf(out_chunk);
  size_t off = 0;
  for (int idle = 0;;) {
    size_t n = len - off < in_chunk ? len - off : in_chunk;
    pf::rsync::JobResult r = job->iterate(in + off, n, off + n == len, buf.data(), buf.size());
    if (r.consumed > n || r.produced > buf.size()) abort();
    out->insert(out->end(), buf.data(), buf.data() + r.produced);
    off += r.consumed;
    if (r.status != pf::Status::Ok || r.done) return r.status;
    idle = r.consumed || r.produced ? 0 : idle + 1;
    if (idle > 2) abort();  // no progress with input and output room
  }
}

}  // namespace fuzz
