// bzip2 streams via libbz2. blockSize100k = level, as `bzip2 -N` does.
#include <bzlib.h>

#include "codec_backend.h"

namespace pf {
namespace {

class Bzip2Engine final : public CodecBackend {
 public:
  explicit Bzip2Engine(const CodecOptions& o) : decompress_(o.decompress), level_(o.level) {}
  ~Bzip2Engine() override { end(); }

  // libbz2 has no reset: each member gets a fresh stream.
  Status start() override {
    end();
    int rc = decompress_ ? BZ2_bzDecompressInit(&bs_, 0, 0) : BZ2_bzCompressInit(&bs_, level_, 0, 0);
    if (rc != BZ_OK) return check(rc);
    initialized_ = true;
    return Status::Ok;
  }

  Status step(StepBuffers& io, bool finish, bool* end) override {
    unsigned in_n = clamp_u32(io.in_left), out_n = clamp_u32(io.out_left);
    bs_.next_in = const_cast<char*>(reinterpret_cast<const char*>(io.in));
    bs_.avail_in = in_n;
    bs_.next_out = reinterpret_cast<char*>(io.out);
    bs_.avail_out = out_n;
    int rc = decompress_ ? BZ2_bzDecompress(&bs_) : BZ2_bzCompress(&bs_, finish ? BZ_FINISH : BZ_RUN);
    size_t used_in = in_n - bs_.avail_in, used_out = out_n - bs_.avail_out;
    io.advance(used_in, used_out);
    if (rc == BZ_STREAM_END) {
      *end = true;
      return Status::Ok;
    }
    // BZ_RUN reports "no progress" as a parameter error; the driver handles no progress.
    if (rc == BZ_PARAM_ERROR && !decompress_ && !finish && used_in == 0 && used_out == 0) {
      return Status::Ok;
    }
    return check(rc);
  }

 private:
  void end() {
    if (!initialized_) return;
    if (decompress_) {
      BZ2_bzDecompressEnd(&bs_);
    } else {
      BZ2_bzCompressEnd(&bs_);
    }
    bs_ = bz_stream{};
    initialized_ = false;
  }

  Status check(int rc) {
    switch (rc) {
      case BZ_OK:
      case BZ_RUN_OK:
      case BZ_FINISH_OK: return Status::Ok;
      case BZ_DATA_ERROR:  // includes block and stream CRC mismatches
        return fail(Status::Corrupt, "bzip2: data integrity error");
      case BZ_DATA_ERROR_MAGIC: return fail(Status::Corrupt, "bzip2: not a bzip2 stream");
      case BZ_MEM_ERROR: return fail(Status::NoMemory, "bzip2: out of memory");
      default: return fail(Status::Internal, "bzip2: library error " + std::to_string(rc));
    }
  }

  bz_stream bs_{};
  bool decompress_;
  int level_;
  bool initialized_ = false;
};

}  // namespace

std::unique_ptr<CodecBackend> make_bzip2_backend(const CodecOptions& options) {
  return std::make_unique<Bzip2Engine>(options);
}

}  // namespace pf
