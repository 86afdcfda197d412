#include "unix_dgram.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pf {

SysError send_unix_datagram(const char* path, size_t path_len, const uint8_t* data, size_t len) {
  sockaddr_un addr{};
  if (path_len == 0 || path_len > kUnixPathMax || path_len >= sizeof(addr.sun_path) ||
      std::memchr(path, '\0', path_len) != nullptr) {
    return {EINVAL, "sendto"};
  }
  if (len > kUnixDatagramMax) return {EMSGSIZE, "sendto"};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path, path_len);
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return {errno, "socket"};
  ssize_t sent;
  do {
    sent = ::sendto(fd, data, len, MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  } while (sent < 0 && errno == EINTR);
  SysError result;
  if (sent < 0) result = {errno, "sendto"};
  ::close(fd);
  return result;
}

}  // namespace pf
