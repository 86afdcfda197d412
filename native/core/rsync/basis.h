// Random access to the basis file of a patch: COPY commands read absolute ranges, in any
// order. Two implementations: a memory buffer (not owned) and a file descriptor read with
// pread (not owned, never closed, its file offset untouched).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "../status.h"

namespace pf::rsync {

class Basis {
 public:
  // The size() of a basis whose end is only found by reading it: lseek reports 0 for a
  // character device whether it is empty (/dev/null) or endless (/dev/zero).
  static constexpr uint64_t kUnknownSize = UINT64_MAX;

  virtual ~Basis() = default;
  virtual uint64_t size() const = 0;
  // Reads exactly n bytes at offset (offset + n <= size()). StepBuffers (with the errno text) or
  // Truncated (the file ended before offset + n: it got shorter, or its size is unknown).
  virtual Status read(uint64_t offset, uint8_t* dst, size_t n, std::string* why) = 0;
};

class MemoryBasis final : public Basis {
 public:
  MemoryBasis(const uint8_t* data, size_t len) : data_(data), len_(len) {}
  uint64_t size() const override { return len_; }
  Status read(uint64_t offset, uint8_t* dst, size_t n, std::string* why) override;

 private:
  const uint8_t* data_;
  size_t len_;
};

class FdBasis final : public Basis {
 public:
  // Measures the file (fstat; lseek for block devices; kUnknownSize for any other file that
  // answers lseek, such as a character device). StepBuffers when fd is not seekable (a pipe).
  Status open(int fd, std::string* why);
  uint64_t size() const override { return size_; }
  Status read(uint64_t offset, uint8_t* dst, size_t n, std::string* why) override;

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace pf::rsync
