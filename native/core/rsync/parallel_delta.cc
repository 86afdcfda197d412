#include "parallel_delta.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "command.h"
#include "delta.h"

namespace pf::rsync {
namespace {

// One range's scan. Once published, `path` holds the matcher's true path from `origin` to
// the end of the input (this scan's matches up to its join, the next range's path after it)
// and `end` where that path ends.
struct RangeScan {
  uint64_t origin = 0;
  std::vector<Match> path;
  uint64_t end = 0;
  uint64_t in_bytes = 0;
  Status status = Status::Ok;
  std::string why;

  void publish() {
    std::lock_guard<std::mutex> lock(mu_);
    ready_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return ready_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool ready_ = false;
};

// Whether a published path visits window position p: every position from its origin on
// is visited except those strictly inside a match (the matcher jumps over them). Asked for
// non-decreasing positions, so one cursor serves all calls.
class PathCursor {
 public:
  explicit PathCursor(const std::vector<Match>& path) : path_(path) {}
  bool visits(uint64_t p) {
    while (i_ < path_.size() && path_[i_].at + path_[i_].len <= p) ++i_;
    return !(i_ < path_.size() && path_[i_].at < p);
  }

 private:
  const std::vector<Match>& path_;
  size_t i_ = 0;
};

void scan_range(const std::shared_ptr<const SignatureSet>& sig, int fd, RangeScan* me, RangeScan* next) {
  try {
    std::unique_ptr<PathCursor> cursor;
    bool next_failed = false;
    ScanPlan plan;
    plan.origin = me->origin;
    plan.matches = &me->path;
    if (next) {
      plan.limit = next->origin;
      plan.joins = [&](uint64_t p) {
        if (!cursor) {
          next->wait();
          next_failed = next->status != Status::Ok;
          if (next_failed) return true;
          cursor = std::make_unique<PathCursor>(next->path);
        }
        return cursor->visits(p);
      };
    }
    DeltaJob job;
    me->status = job.begin_scan(sig, std::move(plan));
    if (me->status == Status::Ok) {
      auto no_output = [](const uint8_t*, size_t) {};
      me->status = drive_pread(&job, fd, static_cast<int64_t>(me->origin), -1, no_output, &me->in_bytes, &me->why);
    }
    if (me->status == Status::Ok && next_failed) {
      me->status = next->status;
      me->why = next->why;
    } else if (me->status == Status::Ok && job.joined()) {
      uint64_t q = job.scan_end();
      auto from = std::lower_bound(next->path.begin(), next->path.end(), q,
                                   [](const Match& m, uint64_t at) { return m.at < at; });
      me->path.insert(me->path.end(), from, next->path.end());
      me->end = next->end;
    } else {
      me->end = job.scan_end();
    }
  } catch (const std::bad_alloc&) {
    me->status = Status::NoMemory;
    me->why = "out of memory";
  }
  me->publish();
}

// Buffered output of the delta; literal bytes are pread straight into the buffer.
class DeltaOut {
 public:
  DeltaOut(int fd, bool write_behind, FdTotals* totals) : fd_(fd), behind_(fd, write_behind), totals_(totals) {}

  Status put(const uint8_t* p, size_t n, std::string* why) {
    while (n > 0) {
      if (used_ == buf_.size) {
        Status s = flush(why);
        if (s != Status::Ok) return s;
      }
      size_t k = std::min(n, buf_.size - used_);
      std::memcpy(buf_.data.get() + used_, p, k);
      used_ += k;
      p += k;
      n -= k;
    }
    return Status::Ok;
  }

  Status put_file_bytes(int in_fd, uint64_t at, uint64_t n, std::string* why) {
    while (n > 0) {
      if (used_ == buf_.size) {
        Status s = flush(why);
        if (s != Status::Ok) return s;
      }
      size_t want = static_cast<size_t>(std::min<uint64_t>(n, buf_.size - used_)), got = 0;
      Status s = pread_some(in_fd, buf_.data.get() + used_, want, static_cast<int64_t>(at), &got, why);
      if (s != Status::Ok) return s;
      if (got < want) {
        *why = "the new file shrank while its delta was being written (at offset " + std::to_string(at + got) + ")";
        return Status::IoFailed;
      }
      used_ += got;
      at += got;
      n -= got;
    }
    return Status::Ok;
  }

  Status flush(std::string* why) {
    Status s = write_all(fd_, buf_.data.get(), used_, why);
    if (s != Status::Ok) return s;
    behind_.wrote(used_);
    totals_->out_bytes += used_;
    used_ = 0;
    return Status::Ok;
  }

 private:
  int fd_;
  WriteBehind behind_;
  FdTotals* totals_;
  AlignedBuffer buf_{kFdChunk};
  size_t used_ = 0;
};

// The delta the streaming job would write for this path: literal runs of the gaps cut every
// `cap` bytes, COPYs merged while contiguous in the basis.
Status write_delta(const std::vector<Match>& path, uint64_t end, size_t cap, int in_fd, DeltaOut* out,
                   std::string* why) {
  uint8_t cmd[kMaxCommandHeader];
  store_be32(cmd, kDeltaMagic);
  Status s = out->put(cmd, 4, why);
  uint64_t cursor = 0, cpos = 0, clen = 0;
  auto flush_copy = [&] {
    if (clen == 0 || s != Status::Ok) return;
    s = out->put(cmd, encode_copy(cpos, clen, cmd), why);
    clen = 0;
  };
  auto literal = [&](uint64_t from, uint64_t to) {
    flush_copy();
    while (from < to && s == Status::Ok) {
      uint64_t n = std::min<uint64_t>(cap, to - from);
      s = out->put(cmd, encode_literal_header(n, cmd), why);
      if (s == Status::Ok) s = out->put_file_bytes(in_fd, from, n, why);
      from += n;
    }
  };
  for (const Match& m : path) {
    if (s != Status::Ok) return s;
    if (m.at > cursor) literal(cursor, m.at);
    if (clen && cpos + clen == m.basis_offset) {
      clen += m.len;
    } else {
      flush_copy();
      cpos = m.basis_offset;
      clen = m.len;
    }
    cursor = m.at + m.len;
  }
  literal(cursor, end);
  flush_copy();
  if (s == Status::Ok) s = out->put(cmd, encode_end(cmd), why);
  if (s == Status::Ok) s = out->flush(why);
  return s;
}

}  // namespace

unsigned parallel_delta_threads(const SignatureSet& sig, int64_t size) {
  return sig.block_count() == 0 ? 1 : range_threads(size);
}

Status parallel_delta_fd(std::shared_ptr<const SignatureSet> sig, size_t literal_cap, int in_fd, int64_t size,
                         unsigned threads, int out_fd, bool write_behind, FdTotals* totals, std::string* why) {
  if (!sig || sig->block_count() == 0 || threads == 0 || size < 0 || literal_cap == 0) {
    *why = "parallel delta needs blocks in the signature, a regular file and threads";
    return Status::Param;
  }
  const std::vector<int64_t> cut = block_cuts(size, sig->params().block_len, threads);
  std::vector<RangeScan> ranges(threads);
  for (unsigned i = 0; i < threads; ++i) ranges[i].origin = static_cast<uint64_t>(cut[i]);
  std::vector<std::thread> workers;
  std::vector<unsigned> unstarted;
  auto next_of = [&](unsigned i) { return i + 1 < threads ? &ranges[i + 1] : nullptr; };
  for (unsigned i = 1; i < threads; ++i) {
    try {
      workers.emplace_back(scan_range, std::cref(sig), in_fd, &ranges[i], next_of(i));
    } catch (const std::system_error&) {
      unstarted.push_back(i);
    }
  }
  // Ranges without a thread run here, last first: each waits only on ranges after it.
  for (auto i = unstarted.rbegin(); i != unstarted.rend(); ++i) scan_range(sig, in_fd, &ranges[*i], next_of(*i));
  scan_range(sig, in_fd, &ranges[0], next_of(0));
  for (auto& w : workers) w.join();
  for (const RangeScan& r : ranges) {
    if (r.status != Status::Ok) {
      *why = r.why;
      return r.status;
    }
  }
  DeltaOut out(out_fd, write_behind, totals);
  Status s = write_delta(ranges[0].path, ranges[0].end, literal_cap, in_fd, &out, why);
  totals->in_bytes += ranges[0].end;
  return s;
}

}  // namespace pf::rsync
