// Recycles fixed-size output blocks of compressed members. A new 1 MiB malloc block is a new
// mapping under the agent's mmap threshold, and faulting its pages in cost about as much CPU
// as compressing into it at zstd level 3; spare blocks keep their pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace pf {

class BlockPool {
 public:
  BlockPool(size_t block_size, size_t max_spare) : block_size_(block_size), max_spare_(max_spare) {}
  ~BlockPool();
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;

  size_t block_size() const { return block_size_; }
  // A block of block_size() bytes from malloc (nullptr when out of memory); free() may release it.
  uint8_t* take();
  // Keeps the block for a later take(), or frees it when enough are spare. Any thread.
  void give(uint8_t* block);

 private:
  const size_t block_size_;
  const size_t max_spare_;
  std::mutex mu_;
  std::vector<uint8_t*> spare_;
};

}  // namespace pf
