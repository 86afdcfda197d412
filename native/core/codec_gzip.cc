// gzip container via zlib (Node's own copy; windowBits 15+16 selects the gzip wrapper).
#include <zlib.h>

#include "codec_backend.h"

namespace pf {
namespace {

constexpr int kGzipWindowBits = 15 + 16;
constexpr int kMemLevel = 8;

class GzipEngine final : public CodecBackend {
 public:
  explicit GzipEngine(const CodecOptions& o) : decompress_(o.decompress), level_(o.level) {}
  ~GzipEngine() override {
    if (!initialized_) return;
    if (decompress_) {
      inflateEnd(&zs_);
    } else {
      deflateEnd(&zs_);
    }
  }

  Status start() override {
    int rc;
    if (initialized_) {
      rc = decompress_ ? inflateReset(&zs_) : deflateReset(&zs_);
    } else if (decompress_) {
      rc = inflateInit2(&zs_, kGzipWindowBits);
    } else {
      rc = deflateInit2(&zs_, level_, Z_DEFLATED, kGzipWindowBits, kMemLevel, Z_DEFAULT_STRATEGY);
    }
    if (rc == Z_OK) initialized_ = true;
    return check(rc);
  }

  bool restartable() const override { return !decompress_; }
  Status restart(uint64_t) override { return start(); }  // deflateReset keeps the window

  Status step(StepBuffers& io, bool finish, bool* end) override {
    unsigned in_n = clamp_u32(io.in_left), out_n = clamp_u32(io.out_left);
    zs_.next_in = const_cast<Bytef*>(io.in);
    zs_.avail_in = in_n;
    zs_.next_out = io.out;
    zs_.avail_out = out_n;
    int rc = decompress_ ? inflate(&zs_, Z_NO_FLUSH) : deflate(&zs_, finish ? Z_FINISH : Z_NO_FLUSH);
    io.advance(in_n - zs_.avail_in, out_n - zs_.avail_out);
    if (rc == Z_STREAM_END) {
      *end = true;
      return Status::Ok;
    }
    return check(rc);
  }

 private:
  Status check(int rc) {
    switch (rc) {
      case Z_OK:
      case Z_BUF_ERROR:  // no progress possible: the driver decides whether that is an error
        return Status::Ok;
      case Z_DATA_ERROR:  // includes CRC-32 and ISIZE mismatches and garbage after a member
      case Z_NEED_DICT: return fail(Status::Corrupt, std::string("gzip: ") + (zs_.msg ? zs_.msg : "invalid data"));
      case Z_MEM_ERROR: return fail(Status::NoMemory, "gzip: out of memory");
      default: return fail(Status::Internal, "gzip: zlib error " + std::to_string(rc));
    }
  }

  z_stream zs_{};
  bool decompress_;
  int level_;
  bool initialized_ = false;
};

}  // namespace

std::unique_ptr<CodecBackend> make_gzip_backend(const CodecOptions& options) {
  return std::make_unique<GzipEngine>(options);
}

}  // namespace pf
