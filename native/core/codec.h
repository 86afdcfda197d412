// Streaming compression over caller-owned buffers. One Codec per stream; not thread-safe,
// but may be driven from any one thread at a time (the N-API layer serialises calls).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "status.h"

namespace pf {

enum class CodecKind { Gzip, Bzip2, Xz, Zstd };

bool parse_codec_kind(const std::string& name, CodecKind* kind);
const char* codec_kind_name(CodecKind kind);
int codec_min_level(CodecKind kind);
int codec_max_level(CodecKind kind);

constexpr int kMaxThreads = 256;
constexpr uint64_t kUnknownSize = UINT64_MAX;

struct CodecOptions {
  CodecKind kind = CodecKind::Gzip;
  bool decompress = false;
  int level = 6;
  int threads = 1;                       // xz/zstd encoders only
  uint64_t pledged_size = kUnknownSize;  // zstd encoder records it in the frame header
};

struct CodecResult {
  Status status = Status::Ok;
  size_t consumed = 0;
  size_t produced = 0;
  // Encoder: the stream is complete. Decoder: all input seen so far ends exactly at the end
  // of a complete member, so a clean end can be told apart from truncation.
  bool ended = false;
  std::string message;
};

class Codec {
 public:
  virtual ~Codec() = default;
  virtual CodecResult process(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len, bool finish) = 0;
};

// An encoder that can begin another independent stream after the previous one ended or failed.
class StreamEncoder : public Codec {
 public:
  // Reuses the library's state (zstd context, deflate window) for a new stream of
  // `pledged_size` bytes. False when the library cannot: make a new encoder instead.
  virtual bool restart(uint64_t pledged_size) = 0;
  virtual bool restartable() const = 0;
};

// Returns nullptr and sets *status / *message when the library cannot set up the stream.
std::unique_ptr<Codec> make_codec(const CodecOptions& options, Status* status, std::string* message);
std::unique_ptr<StreamEncoder> make_encoder(const CodecOptions& options, Status* status, std::string* message);

}  // namespace pf
