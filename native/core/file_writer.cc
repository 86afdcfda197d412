#include "file_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace pf::tar {

FileWriter::FileWriter() : thread_([this] { run(); }) {}

FileWriter::~FileWriter() {
  std::string call, name;
  drain(call, name);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_.notify_one();
  thread_.join();
}

void FileWriter::submit(WriteJob job) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake = queue_.empty() && !busy_;
    queue_.push_back(std::move(job));
  }
  if (wake) work_.notify_one();
}

int FileWriter::drain(std::string& call, std::string& name) {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
  int err = err_;
  call = err_call_;
  name = err_name_;
  err_ = 0;
  return err;
}

void FileWriter::run() {
  std::deque<WriteJob> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      busy_ = false;
      if (queue_.empty()) idle_.notify_all();
      work_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stop_, nothing left
      busy_ = true;
      batch.swap(queue_);
    }
    for (WriteJob& job : batch) finish(job);
    batch.clear();
  }
}

// Runs on the writer thread; the error fields are read under the mutex once the thread is
// idle, and it is not idle while it runs this.
void FileWriter::finish(WriteJob& job) {
  const char* call = nullptr;
  int err = 0;
  if (job.fd != failed_fd_) {
    const uint8_t* p = job.data;
    size_t n = job.len;
    while (n > 0) {
      ssize_t w = ::write(job.fd, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        err = errno, call = "write";
        break;
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    if (!err && job.close) {
      const FileAttrs& a = job.attrs;
      timespec ts[2] = {{static_cast<time_t>(a.atime), 0}, {static_cast<time_t>(a.mtime), 0}};
      if (a.chown && ::fchown(job.fd, static_cast<uid_t>(a.uid), static_cast<gid_t>(a.gid)) != 0) {
        err = errno, call = "chown";
      } else if (a.chmod && ::fchmod(job.fd, a.mode) != 0) {
        err = errno, call = "chmod";
      } else if (::futimens(job.fd, ts) != 0) {
        err = errno, call = "utimes";
      }
    }
  }
  if (job.close) {
    if (::close(job.fd) != 0 && !err && job.fd != failed_fd_) err = errno, call = "close";
    if (job.fd == failed_fd_) failed_fd_ = -1;
  }
  if (err) {
    if (!job.close) failed_fd_ = job.fd;
    std::lock_guard<std::mutex> lock(mu_);
    if (!err_) {
      err_ = err;
      err_call_ = call;
      err_name_ = job.name;
    }
  }
}

}  // namespace pf::tar
