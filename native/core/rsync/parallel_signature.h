// Signature of a regular file on several threads: the file is cut into ranges of whole
// blocks, each range's records are computed by its own SignatureJob (pread, no shared state),
// and the records are written in order after one header. The output is byte-identical to the
// single-threaded job's (each block's sums depend on that block alone).
#pragma once

#include <cstdint>
#include <string>

#include "fd_job.h"
#include "sigformat.h"

namespace pf::rsync {

// Threads worth using for `size` bytes with these params (1 = use the streaming job): small
// files, and signatures too big to hold in memory (tiny blocks of huge files), stay serial.
unsigned parallel_signature_threads(const SigParams& params, int64_t size);

// `size` is the file size seen by fstat; a file that changes meanwhile is read as it is then.
Status parallel_signature_fd(const SigParams& params, int in_fd, int64_t size, unsigned threads, int out_fd,
                             FdTotals* totals, std::string* why);

}  // namespace pf::rsync
