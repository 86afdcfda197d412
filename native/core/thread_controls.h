// Per-thread CPU affinity, nice value and I/O priority for the whole process. Linux keeps all
// three per thread, and the libuv pool threads (which do the byte work) and V8's helpers are
// threads of their own, so each is set on every task under /proc/self/task.
#pragma once

#include <vector>

#include "os_calls.h"

namespace pf {

// cpu_set_t holds CPUs 0..1023; the list is also checked against the CPUs the system has.
constexpr int kCpuSetSize = 1024;

struct ThreadControls {
  bool set_nice = false;
  int nice = 0;  // absolute, -20..19
  bool set_io = false;
  int io_class = 0;       // 1 realtime, 2 best-effort, 3 idle
  int io_level = 0;       // 0..7
  std::vector<int> cpus;  // empty: affinity left alone
};

// The first failure of each control (err 0: none). A control that fails is not tried on the
// remaining threads; the others go on.
struct ThreadControlFailures {
  SysError nice;
  SysError io;
  SysError cpus;
};

// Sets the controls on the calling thread first, so that the threads it creates later (the
// libuv pool is started by the main thread) inherit them, then on every other thread of the
// process. A thread that exits meanwhile is skipped.
ThreadControlFailures apply_thread_controls(const ThreadControls& controls);

struct ThreadState {
  int nice = 0;
  int io_class = 0;
  int io_level = 0;
  std::vector<int> cpus;
};

// Reads back what the kernel holds for thread `tid` (0: the calling thread).
SysError read_thread_controls(int tid, ThreadState* out);

// Number of CPUs the system is configured with (ids 0..n-1 may exist), at most kCpuSetSize.
int configured_cpus();

}  // namespace pf
