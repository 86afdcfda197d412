// The librsync job model shared by the signature, delta and patch jobs: begin, then
// iterate(in, in_len, eof, out, out_len) until done, then end (destruction). Jobs never
// do I/O themselves; the caller owns both buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../status.h"

namespace pf::rsync {

// status != Ok: failed (message says what and where). Ok && done: DONE, the output is
// complete. Ok && !done: BLOCKED, call again with more input and/or output room. `eof`
// on iterate() means no input follows the bytes passed; it takes effect once they are
// all consumed.
struct JobResult {
  Status status = Status::Ok;
  bool done = false;
  size_t consumed = 0;
  size_t produced = 0;
  // Bytes to write after out[0..produced): a span of this call's input, passed through
  // uncopied (only a PatchJob told to pass literals through sets it).
  const uint8_t* direct = nullptr;
  size_t direct_len = 0;
  std::string message;
};

// The caller's output window.
struct Sink {
  uint8_t* out;
  size_t room;
  size_t produced = 0;

  size_t put(const uint8_t* p, size_t n) {
    size_t k = n < room - produced ? n : room - produced;
    if (k) std::memcpy(out + produced, p, k);
    produced += k;
    return k;
  }
  bool full() const { return produced == room; }
};

// Small FIFO of encoded bytes waiting for output room.
class Staging {
 public:
  void push(const uint8_t* p, size_t n) { bytes_.insert(bytes_.end(), p, p + n); }
  size_t size() const { return bytes_.size() - head_; }
  bool empty() const { return head_ == bytes_.size(); }
  // Moves as much as fits; returns true when everything is out.
  bool drain(Sink* sink) {
    head_ += sink->put(bytes_.data() + head_, bytes_.size() - head_);
    if (head_ < bytes_.size()) return false;
    bytes_.clear();
    head_ = 0;
    return true;
  }

 private:
  std::vector<uint8_t> bytes_;
  size_t head_ = 0;
};

}  // namespace pf::rsync
