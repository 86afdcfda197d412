// xz streams via liblzma. The decoder handles one stream at a time and does the
// concatenation (and 4-byte-aligned stream padding) itself, as LZMA_CONCATENATED would,
// because LZMA_CONCATENATED cannot report where a stream ended without LZMA_FINISH.
#include <lzma.h>

#include "codec_backend.h"

namespace pf {
namespace {

class XzEngine final : public CodecBackend {
 public:
  explicit XzEngine(const CodecOptions& o)
      : decompress_(o.decompress), level_(static_cast<uint32_t>(o.level)), threads_(o.threads) {}
  ~XzEngine() override { lzma_end(&ls_); }

  // Re-initialising an existing lzma_stream reuses its allocations.
  Status start() override {
    padding_ = 0;
    return check(decompress_ ? lzma_stream_decoder(&ls_, UINT64_MAX, 0) : start_encoder());
  }

  Status step(StepBuffers& io, bool finish, bool* end) override {
    ls_.next_in = io.in;
    ls_.avail_in = io.in_left;
    ls_.next_out = io.out;
    ls_.avail_out = io.out_left;
    lzma_ret rc = lzma_code(&ls_, finish ? LZMA_FINISH : LZMA_RUN);
    io.advance(io.in_left - ls_.avail_in, io.out_left - ls_.avail_out);
    if (rc == LZMA_STREAM_END) {
      *end = true;
      return Status::Ok;
    }
    return check(rc);
  }

  void skip_padding(StepBuffers& io) override {
    size_t n = 0;
    while (n < io.in_left && io.in[n] == 0) ++n;
    padding_ += n;
    io.advance(n, 0);
  }

  bool padding_ok() const override { return padding_ % 4 == 0; }

 private:
  lzma_ret start_encoder() {
    if (threads_ <= 1) return lzma_easy_encoder(&ls_, level_, LZMA_CHECK_CRC64);
    lzma_mt mt{};
    mt.threads = static_cast<uint32_t>(threads_);
    mt.preset = level_;
    mt.check = LZMA_CHECK_CRC64;  // block_size 0 = liblzma default, timeout 0 = block
    return lzma_stream_encoder_mt(&ls_, &mt);
  }

  Status check(lzma_ret rc) {
    switch (rc) {
      case LZMA_OK:
      case LZMA_BUF_ERROR:  // no progress possible: the driver decides whether that is an error
        return Status::Ok;
      case LZMA_FORMAT_ERROR: return fail(Status::Corrupt, "xz: not an xz stream");
      case LZMA_DATA_ERROR:  // includes integrity check mismatches
        return fail(Status::Corrupt, "xz: compressed data is corrupt");
      case LZMA_OPTIONS_ERROR: return fail(decompress_ ? Status::Corrupt : Status::Internal, "xz: unsupported options");
      case LZMA_MEM_ERROR:
      case LZMA_MEMLIMIT_ERROR: return fail(Status::NoMemory, "xz: out of memory");
      default: return fail(Status::Internal, "xz: liblzma error " + std::to_string(static_cast<int>(rc)));
    }
  }

  lzma_stream ls_ = LZMA_STREAM_INIT;
  bool decompress_;
  uint32_t level_;
  int threads_;
  uint64_t padding_ = 0;
};

}  // namespace

std::unique_ptr<CodecBackend> make_xz_backend(const CodecOptions& options) {
  return std::make_unique<XzEngine>(options);
}

}  // namespace pf
