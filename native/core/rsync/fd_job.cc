#include "fd_job.h"

#include "../os_calls.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

namespace pf::rsync {

namespace {
constexpr int64_t kWriteBehindStep = int64_t{8} << 20;
}  // namespace

WriteBehind::WriteBehind(int fd, bool enabled) : fd_(fd), enabled_(enabled) {
  struct stat st;
  if (enabled_ && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) enabled_ = false;
  if (enabled_) {
    off_t at = lseek(fd, 0, SEEK_CUR);
    enabled_ = at >= 0;
    started_ = end_ = at;
  }
}

void WriteBehind::wrote(size_t n) {
  if (!enabled_) return;
  end_ += static_cast<int64_t>(n);
  if (end_ - started_ < kWriteBehindStep) return;
  // Only starts writeback (no waiting); a failure here is not an error: fdatasync decides.
  if (start_writeback(fd_, started_, end_ - started_) != 0) enabled_ = false;
  started_ = end_;
}

int64_t fd_file_size(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  return static_cast<int64_t>(st.st_size);
}

unsigned range_threads(int64_t size) {
  constexpr int64_t kMinBytesPerThread = int64_t{16} << 20;
  constexpr int64_t kMaxThreads = 8;
  if (size < 2 * kMinBytesPerThread) return 1;
  int64_t hw = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<unsigned>(std::min({hw, size / kMinBytesPerThread, kMaxThreads}));
}

std::vector<int64_t> block_cuts(int64_t size, int64_t block, unsigned threads) {
  const int64_t blocks = size / block;
  std::vector<int64_t> cut(threads + 1);
  for (unsigned i = 0; i <= threads; ++i) cut[i] = blocks * static_cast<int64_t>(i) / threads * block;
  cut[threads] = size;
  return cut;
}

}  // namespace pf::rsync
