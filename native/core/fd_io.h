// Whole reads and writes on file descriptors, retried on EINTR and short counts, shared by
// the rsync fd jobs and the tar writer's fast path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "status.h"

namespace pf {

// Fills buf from fd until len bytes or EOF (*got < len only at EOF); StepBuffers with errno text on failure.
Status read_some(int fd, uint8_t* buf, size_t len, size_t* got, std::string* why);
// The same at file offset `at`, leaving the fd's offset alone (threads share the fd).
Status pread_some(int fd, uint8_t* buf, size_t len, int64_t at, size_t* got, std::string* why);
Status write_all(int fd, const uint8_t* buf, size_t len, std::string* why);

}  // namespace pf
