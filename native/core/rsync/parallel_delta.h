// Delta of a regular file on several threads, byte-identical to the streaming DeltaJob's.
//
// The matcher's state at a window position is that position alone: the weak sum is a
// function of the window's bytes, and which literal runs and COPY merges come out depends
// only on the matches. So the file is cut into ranges at block multiples, and each range
// is scanned (matches only, no output) from a fresh window at its start. A scan that
// reaches the next range's start goes on until it visits a position the next range's scan
// also visited (any position not strictly inside one of that scan's matches); from there
// both take the same path, so the next range's matches are taken from that point on. In
// practice that happens within a block of the cut; at worst one scan covers the rest of the
// file alone, and the result is still exact. One pass then writes the delta from the
// matches, reading the literal bytes back by pread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "fd_job.h"
#include "sigload.h"

namespace pf::rsync {

// Threads worth using for a new file of `size` bytes (1 = use the streaming job).
unsigned parallel_delta_threads(const SignatureSet& sig, int64_t size);

// `threads` >= 1 ranges; `size` is the file size seen by fstat. The delta covers the file as
// the scans read it up to its EOF; StepBuffers if it shrinks before its literal bytes are read back.
Status parallel_delta_fd(std::shared_ptr<const SignatureSet> sig, size_t literal_cap, int in_fd, int64_t size,
                         unsigned threads, int out_fd, bool write_behind, FdTotals* totals, std::string* why);

}  // namespace pf::rsync
