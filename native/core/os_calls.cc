#include "os_calls.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

namespace pf {
namespace {

constexpr int kIoprioWhoProcess = 1;
constexpr int kIoprioClassShift = 13;

// Thread ids of this process; just the caller (0) if /proc is unavailable.
std::vector<int> thread_ids() {
  std::vector<int> ids;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* e = readdir(dir)) {
      if (e->d_name[0] != '.') ids.push_back(std::atoi(e->d_name));
    }
    closedir(dir);
  }
  if (ids.empty()) ids.push_back(0);
  return ids;
}

SysError renice(int tid, int increment) {
  errno = 0;
  int current = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  if (current == -1 && errno != 0) return {errno, "getpriority"};
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(tid), current + increment) != 0) return {errno, "setpriority"};
  return {};
}

SysError set_ioprio(int tid, int io_class, int io_level) {
  int prio = (io_class << kIoprioClassShift) | io_level;
  if (syscall(SYS_ioprio_set, kIoprioWhoProcess, tid, prio) != 0) return {errno, "ioprio_set"};
  return {};
}

}  // namespace

SysError set_priority(int nice_increment, int io_class, int io_level) {
  for (int tid : thread_ids()) {
    SysError e = renice(tid, nice_increment);
    if (e.err == ESRCH) continue;  // thread exited since the listing
    if (e.err == 0) e = set_ioprio(tid, io_class, io_level);
    if (e.err != 0 && e.err != ESRCH) return e;
  }
  return {};
}

SysError make_node(const char* path, uint32_t mode, uint32_t major, uint32_t minor) {
  if (mknod(path, static_cast<mode_t>(mode), makedev(major, minor)) != 0) return {errno, "mknod"};
  return {};
}

bool set_mmap_threshold(uint32_t bytes) {
#if defined(__GLIBC__)
  return mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes)) == 1;
#else
  (void)bytes;
  return false;
#endif
}

int start_writeback(int fd, int64_t offset, int64_t length) {
  if (fd < 0 || offset < 0 || length < 0) return EINVAL;
  return sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE) == 0 ? 0 : errno;
}

int try_lock(int fd, bool exclusive) {
  if (fd < 0) return EBADF;
  return flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 ? 0 : errno;
}

}  // namespace pf
