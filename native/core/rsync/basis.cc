#include "basis.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pf::rsync {
namespace {

Status errno_status(const char* call, int err, std::string* why) {
  *why = std::string(call) + ": " + std::strerror(err);
  return Status::IoFailed;
}

}  // namespace

Status MemoryBasis::read(uint64_t offset, uint8_t* dst, size_t n, std::string* why) {
  if (offset > len_ || n > len_ - offset) {
    *why = "read beyond the end of the basis";
    return Status::Internal;
  }
  std::memcpy(dst, data_ + offset, n);
  return Status::Ok;
}

Status FdBasis::open(int fd, std::string* why) {
  struct stat st;
  if (fstat(fd, &st) != 0) return errno_status("fstat", errno, why);
  fd_ = fd;
  if (S_ISREG(st.st_mode)) {
    size_ = static_cast<uint64_t>(st.st_size);
    return Status::Ok;
  }
  off_t here = lseek(fd, 0, SEEK_CUR);
  if (here < 0) return errno_status("lseek", errno, why);
  if (!S_ISBLK(st.st_mode)) {
    // rdiff reads such a basis until it ends (a COPY from /dev/zero gives zeros, one from
    // /dev/null fails): SEEK_END would say 0 for both.
    size_ = kUnknownSize;
    return Status::Ok;
  }
  // Block devices report size 0: measure with lseek and put the offset back.
  off_t end = lseek(fd, 0, SEEK_END);
  if (end < 0) return errno_status("lseek", errno, why);
  if (lseek(fd, here, SEEK_SET) < 0) return errno_status("lseek", errno, why);
  size_ = static_cast<uint64_t>(end);
  return Status::Ok;
}

Status FdBasis::read(uint64_t offset, uint8_t* dst, size_t n, std::string* why) {
  while (n > 0) {
    ssize_t k = pread(fd_, dst, n, static_cast<off_t>(offset));
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return errno_status("pread", errno, why);
    if (k == 0) {
      *why = size_ == kUnknownSize
                 ? "nothing to read at basis offset " + std::to_string(offset)
                 : "basis ended at offset " + std::to_string(offset) + " (it got shorter while patching)";
      return Status::Truncated;
    }
    dst += k;
    n -= static_cast<size_t>(k);
    offset += static_cast<uint64_t>(k);
  }
  return Status::Ok;
}

}  // namespace pf::rsync
