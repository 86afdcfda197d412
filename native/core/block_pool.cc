#include "block_pool.h"

#include <cstdlib>

namespace pf {

BlockPool::~BlockPool() {
  for (uint8_t* b : spare_) std::free(b);
}

uint8_t* BlockPool::take() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!spare_.empty()) {
      uint8_t* b = spare_.back();
      spare_.pop_back();
      return b;
    }
  }
  return static_cast<uint8_t*>(std::malloc(block_size_));
}

void BlockPool::give(uint8_t* block) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_.size() < max_spare_) {
      spare_.push_back(block);
      return;
    }
  }
  std::free(block);
}

}  // namespace pf
