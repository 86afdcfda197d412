// Member/stream bookkeeping shared by all four libraries: finish semantics for encoders,
// concatenation, clean-end detection and truncation for decoders.
#include "codec.h"

#include "codec_backend.h"

namespace pf {
namespace {

// Libraries reject a null output pointer even when its length is 0 (empty Buffers have one).
uint8_t g_no_output;

StepBuffers step_buffers(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len) {
  return StepBuffers{in, in_len, out ? out : &g_no_output, out ? out_len : 0};
}

// A failed library stream is in an undefined state, so the first error sticks.
class StickyError {
 protected:
  bool failed(CodecResult* r) const {
    if (status_ == Status::Ok) return false;
    r->status = status_;
    r->message = message_;
    return true;
  }
  void fail(CodecResult* r, Status status, const std::string& message) {
    status_ = r->status = status;
    message_ = r->message = message;
  }
  void clear_error() {
    status_ = Status::Ok;
    message_.clear();
  }

 private:
  Status status_ = Status::Ok;
  std::string message_;
};

class Encoder final : public StreamEncoder, StickyError {
 public:
  explicit Encoder(std::unique_ptr<CodecBackend> engine) : engine_(std::move(engine)) {}

  bool restart(uint64_t pledged_size) override {
    if (!engine_->restartable() || engine_->restart(pledged_size) != Status::Ok) return false;
    clear_error();
    finishing_ = flushing_ = done_ = false;
    return true;
  }
  bool restartable() const override { return engine_->restartable(); }

  CodecResult process(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len, bool finish) override {
    CodecResult r;
    if (failed(&r)) return r;
    // Once the library was told to finish, bzip2 and xz forbid new input (sequence error).
    if ((done_ || flushing_) && in_len > 0) {
      fail(&r, Status::State, "input after the compressed stream was finished");
      return r;
    }
    finishing_ = finishing_ || finish;
    StepBuffers io = step_buffers(in, in_len, out, out_len);
    while (!done_ && run_once(io, &r)) {
    }
    r.consumed = in_len - io.in_left;
    r.produced = out ? out_len - io.out_left : 0;
    r.ended = done_;
    return r;
  }

 private:
  // Returns false when the call cannot progress further (needs input/output, done, or error).
  bool run_once(StepBuffers& io, CodecResult* r) {
    bool end_now = finishing_ && io.in_left == 0;
    if (io.out_left == 0 || (!end_now && io.in_left == 0)) return false;
    flushing_ = flushing_ || end_now;
    size_t in0 = io.in_left, out0 = io.out_left;
    Status s = engine_->step(io, end_now, &done_);
    if (s != Status::Ok) {
      fail(r, s, engine_->message());
      return false;
    }
    return in0 != io.in_left || out0 != io.out_left;
  }

  std::unique_ptr<CodecBackend> engine_;
  bool finishing_ = false;  // caller asked to finish; sticky across calls
  bool flushing_ = false;   // library was told to finish
  bool done_ = false;
};

class Decoder final : public Codec, StickyError {
 public:
  explicit Decoder(std::unique_ptr<CodecBackend> engine) : engine_(std::move(engine)) {}

  CodecResult process(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len, bool finish) override {
    CodecResult r;
    if (failed(&r)) return r;
    StepBuffers io = step_buffers(in, in_len, out, out_len);
    while (run_once(io, &r)) {
    }
    r.consumed = in_len - io.in_left;
    r.produced = out ? out_len - io.out_left : 0;
    if (r.status != Status::Ok) return r;
    r.ended = between_ && members_ > 0 && engine_->padding_ok();
    check_end(io, finish, &r);
    return r;
  }

 private:
  bool run_once(StepBuffers& io, CodecResult* r) {
    if (between_) {
      if (members_ > 0) engine_->skip_padding(io);
      if (io.in_left == 0) return false;
      if (!engine_->padding_ok()) {
        fail(r, Status::Corrupt, "invalid padding between streams");
        return false;
      }
      // Anything after a complete member must be another member; the library rejects garbage.
      Status s = engine_->start();
      if (s != Status::Ok) {
        fail(r, s, engine_->message());
        return false;
      }
      between_ = false;
    }
    size_t in0 = io.in_left, out0 = io.out_left;
    bool end = false;
    Status s = engine_->step(io, false, &end);
    if (s != Status::Ok) {
      fail(r, s, engine_->message());
      return false;
    }
    if (end) {
      between_ = true;
      ++members_;
      return true;
    }
    return in0 != io.in_left || out0 != io.out_left;
  }

  // With all input consumed and output space left, the library is starved, so a stream that
  // has not ended is truncated. With no output space left the caller must call again first.
  void check_end(const StepBuffers& io, bool finish, CodecResult* r) {
    if (!finish || r->ended || io.in_left > 0 || io.out_left == 0) return;
    if (between_ && members_ > 0) {
      fail(r, Status::Corrupt, "invalid stream padding at the end of the input");
    } else if (between_) {
      fail(r, Status::Truncated, "no compressed data");
    } else {
      fail(r, Status::Truncated, "compressed data is truncated");
    }
  }

  std::unique_ptr<CodecBackend> engine_;
  bool between_ = true;  // no member in progress
  uint64_t members_ = 0;
};

std::unique_ptr<CodecBackend> make_engine(const CodecOptions& o) {
  switch (o.kind) {
    case CodecKind::Gzip: return make_gzip_backend(o);
    case CodecKind::Bzip2: return make_bzip2_backend(o);
    case CodecKind::Xz: return make_xz_backend(o);
    case CodecKind::Zstd: return make_zstd_backend(o);
  }
  return nullptr;
}

}  // namespace

bool parse_codec_kind(const std::string& name, CodecKind* kind) {
  static const CodecKind kinds[] = {CodecKind::Gzip, CodecKind::Bzip2, CodecKind::Xz, CodecKind::Zstd};
  for (CodecKind k : kinds) {
    if (name == codec_kind_name(k)) {
      *kind = k;
      return true;
    }
  }
  return false;
}

const char* codec_kind_name(CodecKind kind) {
  switch (kind) {
    case CodecKind::Gzip: return "gzip";
    case CodecKind::Bzip2: return "bzip2";
    case CodecKind::Xz: return "xz";
    case CodecKind::Zstd: return "zstd";
  }
  return "?";
}

int codec_min_level(CodecKind kind) { return kind == CodecKind::Xz ? 0 : 1; }

int codec_max_level(CodecKind kind) { return kind == CodecKind::Zstd ? 19 : 9; }

// Encoders start their first stream now so bad parameters surface at construction.
std::unique_ptr<StreamEncoder> make_encoder(const CodecOptions& options, Status* status, std::string* message) {
  CodecOptions o = options;
  o.decompress = false;
  std::unique_ptr<CodecBackend> engine = make_engine(o);
  Status s = engine->start();
  if (s != Status::Ok) {
    *status = s;
    *message = engine->message();
    return nullptr;
  }
  return std::make_unique<Encoder>(std::move(engine));
}

// Decoders start lazily, once per member, when its first byte arrives.
std::unique_ptr<Codec> make_codec(const CodecOptions& options, Status* status, std::string* message) {
  if (!options.decompress) return make_encoder(options, status, message);
  return std::make_unique<Decoder>(make_engine(options));
}

}  // namespace pf
