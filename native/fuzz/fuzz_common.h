// Shared helpers of the libFuzzer targets: decode a basis/new-file pair, drive a job over
// fuzzer-chosen chunk sizes.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "rsync/job.h"
#include "rsync/signature.h"

namespace fuzz {

// Input layout of the pair targets: byte 0 picks the magic (low 2 bits) and the block length
// (1..40), byte 1 the split point; the rest is the basis followed by the new file.
struct Pair {
  uint32_t magic = 0, block = 0;
  uint8_t shape = 0, split = 0;  // the two header bytes, reused to vary chunking
  const uint8_t* basis = nullptr;
  size_t basis_len = 0;
  const uint8_t* fresh = nullptr;
  size_t fresh_len = 0;
};

inline bool decode_pair(const uint8_t* data, size_t size, Pair* p) {
  if (size < 2) return false;
  static const uint32_t kMagics[4] = {pf::rsync::kMagicRsMd4, pf::rsync::kMagicRsBlake2, pf::rsync::kMagicRkMd4,
                                      pf::rsync::kMagicRkBlake2};
  p->shape = data[0];
  p->split = data[1];
  p->magic = kMagics[data[0] & 3];
  p->block = 1 + (data[0] >> 2) % 40;
  size_t n = size - 2, cut = n * data[1] / 255;
  p->basis = data + 2;
  p->basis_len = cut;
  p->fresh = data + 2 + cut;
  p->fresh_len = n - cut;
  return true;
}

// Runs job over `in` in pieces of in_chunk bytes with out_chunk-byte outputs. Returns the
// final status; appends the output to *out. Aborts if the job stalls (a bug).
template <class Job>
pf::Status drive(Job* job, const uint8_t* in, size_t len, size_t in_chunk, size_t out_chunk,
                 std::vector<uint8_t>* out) {
  std::vector<uint8_t> buf(out_chunk);
  size_t off = 0;
  for (int idle = 0;;) {
    size_t n = len - off < in_chunk ? len - off : in_chunk;
    pf::rsync::JobResult r = job->iterate(in + off, n, off + n == len, buf.data(), buf.size());
    if (r.consumed > n || r.produced > buf.size()) abort();
    out->insert(out->end(), buf.data(), buf.data() + r.produced);
    // A passed-through span must lie inside what this call consumed.
    if (r.direct_len && (r.direct < in + off || r.direct + r.direct_len > in + off + r.consumed)) abort();
    out->insert(out->end(), r.direct, r.direct + r.direct_len);
    off += r.consumed;
    if (r.status != pf::Status::Ok || r.done) return r.status;
    idle = r.consumed || r.produced ? 0 : idle + 1;
    if (idle > 2) abort();  // no progress with input and output room
  }
}

}  // namespace fuzz
