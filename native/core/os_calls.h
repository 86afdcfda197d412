// Process-level calls Node lacks. Functions return 0 or an errno value and name the
// failing system call, so callers can report both.
#pragma once

#include <cstdint>

namespace pf {

struct SysError {
  int err = 0;
  const char* call = "";
};

// Relative nice increment and I/O priority (class << 13 | level) for every thread of this
// process: Linux applies both per thread, and the libuv pool threads do the heavy work.
SysError set_priority(int nice_increment, int io_class, int io_level);

SysError make_node(const char* path, uint32_t mode, uint32_t major, uint32_t minor);

// glibc: allocations of at least `bytes` get their own mapping, returned to the kernel when
// freed. Without a fixed threshold glibc raises it as big blocks are freed, and the 1 MiB
// archive chunks then stay in the process (as RSS) long after they were released.
// Returns false where malloc cannot be tuned (not glibc).
bool set_mmap_threshold(uint32_t bytes);

// Starts the kernel's writeback of [offset, offset + length) of a regular file without
// waiting for it (sync_file_range, SYNC_FILE_RANGE_WRITE), so that a later fdatasync finds
// little left to write. Returns 0 or errno (ESPIPE for pipes, EINVAL where unsupported).
int start_writeback(int fd, int64_t offset, int64_t length);

// flock(2) without waiting: 0 when the lock was taken, EWOULDBLOCK when another open file
// description holds a conflicting one, else errno. The lock goes with the open file
// description: closing it (or the process dying, kill -9 included) releases it.
int try_lock(int fd, bool exclusive);

}  // namespace pf
