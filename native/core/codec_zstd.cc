// zstd frames via libzstd. The decoder context continues into the next frame by itself
// (as `zstd -d` relies on); ZSTD_decompressStream returning 0 marks a frame boundary.
#include <zstd.h>
#include <zstd_errors.h>

#include "codec_backend.h"

namespace pf {
namespace {

class ZstdEngine final : public CodecBackend {
 public:
  explicit ZstdEngine(const CodecOptions& o) : options_(o) {}
  ~ZstdEngine() override {
    ZSTD_freeCCtx(cctx_);
    ZSTD_freeDCtx(dctx_);
  }

  Status start() override {
    if (options_.decompress) {
      if (!dctx_ && !(dctx_ = ZSTD_createDCtx())) return fail(Status::NoMemory, "zstd: out of memory");
      return Status::Ok;
    }
    if (!cctx_ && !(cctx_ = ZSTD_createCCtx())) return fail(Status::NoMemory, "zstd: out of memory");
    return configure_encoder();
  }

  bool restartable() const override { return !options_.decompress; }
  // A session reset keeps the context's tables: a fresh context per 1 MiB member cost more
  // in allocation and page faults than compressing it at level 3.
  Status restart(uint64_t pledged_size) override {
    options_.pledged_size = pledged_size;
    if (!cctx_) return start();
    size_t rc = ZSTD_CCtx_reset(cctx_, ZSTD_reset_session_only);
    if (ZSTD_isError(rc)) return check(rc);
    return start();
  }

  Status step(StepBuffers& io, bool finish, bool* end) override {
    ZSTD_inBuffer in{io.in, io.in_left, 0};
    ZSTD_outBuffer out{io.out, io.out_left, 0};
    size_t rc = options_.decompress ? ZSTD_decompressStream(dctx_, &out, &in)
                                    : ZSTD_compressStream2(cctx_, &out, &in, finish ? ZSTD_e_end : ZSTD_e_continue);
    io.advance(in.pos, out.pos);
    if (ZSTD_isError(rc)) return check(rc);
    // Decoder: 0 = frame complete and flushed. Encoder with ZSTD_e_end: 0 = frame flushed.
    if (rc == 0 && (options_.decompress || finish)) *end = true;
    return Status::Ok;
  }

 private:
  Status configure_encoder() {
    size_t rc = ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, options_.level);
    if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 1);
    if (!ZSTD_isError(rc) && options_.threads > 1) {
      rc = ZSTD_CCtx_setParameter(cctx_, ZSTD_c_nbWorkers, options_.threads);
    }
    if (!ZSTD_isError(rc) && options_.pledged_size != kUnknownSize) {
      rc = ZSTD_CCtx_setPledgedSrcSize(cctx_, options_.pledged_size);
    }
    return ZSTD_isError(rc) ? check(rc) : Status::Ok;
  }

  Status check(size_t rc) {
    std::string what = std::string("zstd: ") + ZSTD_getErrorName(rc);
    if (ZSTD_getErrorCode(rc) == ZSTD_error_memory_allocation) return fail(Status::NoMemory, what);
    // Every decoder error is a property of the input (bad magic, checksum, window too large).
    return fail(options_.decompress ? Status::Corrupt : Status::Internal, what);
  }

  CodecOptions options_;
  ZSTD_CCtx* cctx_ = nullptr;
  ZSTD_DCtx* dctx_ = nullptr;
};

}  // namespace

std::unique_ptr<CodecBackend> make_zstd_backend(const CodecOptions& options) {
  return std::make_unique<ZstdEngine>(options);
}

}  // namespace pf
