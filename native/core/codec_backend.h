// Internal to core/: the per-library half of a Codec. A CodecBackend wraps one library stream
// and knows nothing about member boundaries, truncation or finish rules; codec.cc owns those
// so that the four libraries behave identically.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "codec.h"

namespace pf {

// The input and output a backend step reads from and writes to, advanced as it goes.
struct StepBuffers {
  const uint8_t* in;
  size_t in_left;
  uint8_t* out;
  size_t out_left;

  void advance(size_t used_in, size_t used_out) {
    in += used_in;
    in_left -= used_in;
    out += used_out;
    out_left -= used_out;
  }
};

class CodecBackend {
 public:
  virtual ~CodecBackend() = default;
  // (Re)starts a member: decoders call it once per concatenated member.
  virtual Status start() = 0;
  // Encoders that can begin a new independent stream on their existing library state
  // (zstd context, deflate window) override both; others are created afresh per stream.
  virtual bool restartable() const { return false; }
  virtual Status restart(uint64_t /*pledged_size*/) { return start(); }
  // One library call. `finish` asks an encoder to end its stream once input is exhausted.
  // Sets *end when the member (decoder) or the stream (encoder) is complete.
  virtual Status step(StepBuffers& io, bool finish, bool* end) = 0;
  // Decoders only: consumes padding allowed between members (xz stream padding).
  virtual void skip_padding(StepBuffers&) {}
  virtual bool padding_ok() const { return true; }
  const std::string& message() const { return message_; }

 protected:
  Status fail(Status status, std::string message) {
    message_ = std::move(message);
    return status;
  }
  std::string message_;
};

// Libraries take 32-bit lengths; larger buffers are fed in slices.
inline unsigned clamp_u32(size_t n) { return n > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<unsigned>(n); }

std::unique_ptr<CodecBackend> make_gzip_backend(const CodecOptions& options);
std::unique_ptr<CodecBackend> make_bzip2_backend(const CodecOptions& options);
std::unique_ptr<CodecBackend> make_xz_backend(const CodecOptions& options);
std::unique_ptr<CodecBackend> make_zstd_backend(const CodecOptions& options);

}  // namespace pf
