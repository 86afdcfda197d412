#include "parallel_signature.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "signature.h"

namespace pf::rsync {
namespace {

constexpr int64_t kMinBytesPerThread = int64_t{16} << 20;
constexpr uint64_t kMaxHeldSignature = uint64_t{64} << 20;
constexpr unsigned kMaxThreads = 8;

struct RangeResult {
  std::vector<uint8_t> records;  // this range's output without the 12-byte header
  uint64_t in_bytes = 0;
  Status status = Status::Ok;
  std::string why;
};

Status pread_some(int fd, uint8_t* buf, size_t len, int64_t at, size_t* got, std::string* why) {
  *got = 0;
  while (*got < len) {
    ssize_t k = ::pread(fd, buf + *got, len - *got, static_cast<off_t>(at + static_cast<int64_t>(*got)));
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      *why = std::string("pread: ") + std::strerror(errno);
      return Status::Io;
    }
    if (k == 0) break;
    *got += static_cast<size_t>(k);
  }
  return Status::Ok;
}

// Sums of the blocks in [begin, end); `last` ranges also take whatever follows `end` (a file
// that grew) up to EOF, exactly as the streaming job would.
void sign_range(const SigParams& params, int fd, int64_t begin, int64_t end, bool last, RangeResult* out) {
  try {
    SignatureJob job;
    out->status = job.begin(params);
    if (out->status != Status::Ok) return;
    AlignedBuffer in_buf(kFdChunk), out_buf(kFdChunk);
    uint8_t *in = in_buf.data.get(), *obuf = out_buf.data.get();
    size_t header_left = kSigHeaderBytes;  // the job's header: written once, by the caller
    int64_t at = begin;
    size_t have = 0, pos = 0;
    bool eof = false;
    for (;;) {
      if (pos == have && !eof) {
        // A range reads as if the file ended at `end` (the last one: at the real EOF).
        size_t want = last ? kFdChunk : static_cast<size_t>(std::min<int64_t>(kFdChunk, end - at));
        have = 0;
        if (want > 0) {
          out->status = pread_some(fd, in, want, at, &have, &out->why);
          if (out->status != Status::Ok) return;
        }
        pos = 0;
        at += static_cast<int64_t>(have);
        out->in_bytes += have;
        eof = have == 0;
      }
      JobResult r = job.iterate(in + pos, have - pos, eof, obuf, kFdChunk);
      if (r.status != Status::Ok) {
        out->status = r.status;
        out->why = r.message;
        return;
      }
      pos += r.consumed;
      size_t skip = std::min(header_left, r.produced);
      header_left -= skip;
      out->records.insert(out->records.end(), obuf + skip, obuf + r.produced);
      if (r.done) return;
    }
  } catch (const std::bad_alloc&) {
    out->status = Status::NoMemory;
    out->why = "out of memory";
  }
}

}  // namespace

unsigned parallel_signature_threads(const SigParams& params, int64_t size) {
  if (size < 2 * kMinBytesPerThread || params.block_len == 0) return 1;
  uint64_t blocks = static_cast<uint64_t>(size) / params.block_len + 1;
  if (blocks * (4 + params.strong_len) > kMaxHeldSignature) return 1;
  unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  int64_t by_size = size / kMinBytesPerThread;
  return static_cast<unsigned>(std::min<int64_t>({static_cast<int64_t>(hw), by_size, kMaxThreads}));
}

Status parallel_signature_fd(const SigParams& params, int in_fd, int64_t size, unsigned threads, int out_fd,
                             FdTotals* totals, std::string* why) {
  const int64_t block = params.block_len;
  const int64_t blocks = size / block;
  std::vector<int64_t> cut(threads + 1);
  for (unsigned i = 0; i <= threads; ++i) cut[i] = blocks * static_cast<int64_t>(i) / threads * block;
  cut[threads] = size;
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
