#include "thread_controls.h"

#include <dirent.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace pf {
namespace {

constexpr int kIoprioWhoProcess = 1;  // with a thread id: that one thread
constexpr int kIoprioClassShift = 13;
constexpr int kIoprioLevelMask = 7;

int current_tid() { return static_cast<int>(syscall(SYS_gettid)); }

// Every thread id of this process but `except`.
std::vector<int> other_threads(int except) {
  std::vector<int> ids;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* e = readdir(dir)) {
      if (e->d_name[0] == '.') continue;
      int tid = std::atoi(e->d_name);
      if (tid > 0 && tid != except) ids.push_back(tid);
    }
    closedir(dir);
  }
  return ids;
}

SysError set_nice(int tid, int nice) {
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(tid), nice) != 0) return {errno, "setpriority"};
  return {};
}

SysError set_io(int tid, int io_class, int io_level) {
  int prio = (io_class << kIoprioClassShift) | io_level;
  if (syscall(SYS_ioprio_set, kIoprioWhoProcess, tid, prio) != 0) return {errno, "ioprio_set"};
  return {};
}

SysError set_cpus(int tid, const cpu_set_t& set) {
  if (sched_setaffinity(static_cast<pid_t>(tid), sizeof set, &set) != 0) return {errno, "sched_setaffinity"};
  return {};
}

// Records the first real failure; a thread that has exited (ESRCH) is none.
void note(SysError e, SysError* failure) {
  if (e.err != 0 && e.err != ESRCH && failure->err == 0) *failure = e;
}

void apply_to(int tid, const ThreadControls& c, const cpu_set_t& set, ThreadControlFailures* f) {
  if (c.set_nice && f->nice.err == 0) note(set_nice(tid, c.nice), &f->nice);
  if (c.set_io && f->io.err == 0) note(set_io(tid, c.io_class, c.io_level), &f->io);
  if (!c.cpus.empty() && f->cpus.err == 0) note(set_cpus(tid, set), &f->cpus);
}

}  // namespace

int configured_cpus() {
  long n = sysconf(_SC_NPROCESSORS_CONF);
  if (n < 1) return 1;
  return static_cast<int>(std::min<long>(n, kCpuSetSize));
}

ThreadControlFailures apply_thread_controls(const ThreadControls& controls) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : controls.cpus) {
    if (cpu >= 0 && cpu < kCpuSetSize) CPU_SET(cpu, &set);
  }
  ThreadControlFailures failures;
  int self = current_tid();
  apply_to(self, controls, set, &failures);
  for (int tid : other_threads(self)) apply_to(tid, controls, set, &failures);
  return failures;
}

SysError read_thread_controls(int tid, ThreadState* out) {
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  if (nice == -1 && errno != 0) return {errno, "getpriority"};
  long prio = syscall(SYS_ioprio_get, kIoprioWhoProcess, tid);
  if (prio < 0) return {errno, "ioprio_get"};
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(static_cast<pid_t>(tid), sizeof set, &set) != 0) return {errno, "sched_getaffinity"};
  out->nice = nice;
  out->io_class = static_cast<int>(prio >> kIoprioClassShift);
  out->io_level = static_cast<int>(prio & kIoprioLevelMask);
  out->cpus.clear();
  for (int cpu = 0; cpu < kCpuSetSize; cpu++) {
    if (CPU_ISSET(cpu, &set)) out->cpus.push_back(cpu);
  }
  return {};
}

}  // namespace pf
