#include "fdjob.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pf::rsync {
namespace {

Status errno_status(const char* call, int err, std::string* why) {
  *why = std::string(call) + ": " + std::strerror(err);
  return Status::Io;
}

}  // namespace

// Keeps reading until the buffer is full or EOF, so the jobs see big chunks from pipes too.
Status read_some(int fd, uint8_t* buf, size_t len, size_t* got, std::string* why) {
  *got = 0;
  while (*got < len) {
    ssize_t k = ::read(fd, buf + *got, len - *got);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return errno_status("read", errno, why);
    if (k == 0) break;
    *got += static_cast<size_t>(k);
  }
  return Status::Ok;
}

Status write_all(int fd, const uint8_t* buf, size_t len, std::string* why) {
  while (len > 0) {
    ssize_t k = ::write(fd, buf, len);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return errno_status("write", errno, why);
    buf += k;
    len -= static_cast<size_t>(k);
  }
  return Status::Ok;
}

int64_t fd_file_size(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  return static_cast<int64_t>(st.st_size);
}

}  // namespace pf::rsync
