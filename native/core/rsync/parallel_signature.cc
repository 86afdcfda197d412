#include "parallel_signature.h"

#include <unistd.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "signature.h"

namespace pf::rsync {
namespace {

constexpr uint64_t kMaxHeldSignature = uint64_t{64} << 20;

struct RangeResult {
  std::vector<uint8_t> records;  // this range's output without the 12-byte header
  uint64_t in_bytes = 0;
  Status status = Status::Ok;
  std::string why;
};

// Sums of the blocks in [begin, end); `last` ranges also take whatever follows `end` (a file
// that grew) up to EOF, exactly as the streaming job would.
void sign_range(const SigParams& params, int fd, int64_t begin, int64_t end, bool last, RangeResult* out) {
  try {
    SignatureJob job;
    out->status = job.begin(params);
    if (out->status != Status::Ok) return;
    size_t header_left = kSigHeaderBytes;  // the job's header: written once, by the caller
    auto keep = [&](const uint8_t* bytes, size_t n) {
      size_t skip = std::min(header_left, n);
      header_left -= skip;
      out->records.insert(out->records.end(), bytes + skip, bytes + n);
    };
    out->status = drive_pread(&job, fd, begin, last ? -1 : end, keep, &out->in_bytes, &out->why);
  } catch (const std::bad_alloc&) {
    out->status = Status::NoMemory;
    out->why = "out of memory";
  }
}

}  // namespace

unsigned parallel_signature_threads(const SigParams& params, int64_t size) {
  if (params.block_len == 0) return 1;
  uint64_t blocks = static_cast<uint64_t>(size) / params.block_len + 1;
  if (size > 0 && blocks * (4 + params.strong_len) > kMaxHeldSignature) return 1;
  return range_threads(size);
}

Status parallel_signature_fd(const SigParams& params, int in_fd, int64_t size, unsigned threads, int out_fd,
                             FdTotals* totals, std::string* why) {
  const std::vector<int64_t> cut = block_cuts(size, params.block_len, threads);
  std::vector<RangeResult> results(threads);
  std::vector<std::thread> workers;
  for (unsigned i = 1; i < threads; ++i) {
    workers.emplace_back(sign_range, std::cref(params), in_fd, cut[i], cut[i + 1], i + 1 == threads, &results[i]);
  }
  sign_range(params, in_fd, cut[0], cut[1], threads == 1, &results[0]);
  for (auto& w : workers) w.join();
  uint8_t header[kSigHeaderBytes];
  encode_sig_header(params, header);
  Status s = write_all(out_fd, header, sizeof header, why);
  totals->out_bytes += sizeof header;
  for (auto& r : results) {
    if (s != Status::Ok) break;
    if (r.status != Status::Ok) {
      *why = r.why;
      return r.status;
    }
    s = write_all(out_fd, r.records.data(), r.records.size(), why);
    totals->in_bytes += r.in_bytes;
    totals->out_bytes += r.records.size();
  }
  return s;
}

}  // namespace pf::rsync
