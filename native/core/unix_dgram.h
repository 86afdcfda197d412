// One datagram to a unix socket path (AF_UNIX, SOCK_DGRAM), which Node's dgram module does not
// offer: the logger's syslog (/dev/log) and journald (/run/systemd/journal/socket) sinks.
#pragma once

#include <cstddef>
#include <cstdint>

#include "os_calls.h"

namespace pf {

// sun_path holds 108 bytes with the terminating NUL.
constexpr size_t kUnixPathMax = 107;
// Above what the kernel's default socket buffers accept in one datagram anyway.
constexpr size_t kUnixDatagramMax = size_t{1} << 20;

// Sends `data` as one datagram without waiting (a full receiver queue is EAGAIN, not a
// stall) from a socket of its own, closed before returning. `path` must be 1..kUnixPathMax
// bytes and `len` at most kUnixDatagramMax (else EINVAL / EMSGSIZE). Returns err 0 or errno
// with the failing call (socket, sendto): ENOENT or ECONNREFUSED when nobody listens there.
SysError send_unix_datagram(const char* path, size_t path_len, const uint8_t* data, size_t len);

}  // namespace pf
