// libFuzzer: the parallel delta equals the streaming DeltaJob's, byte for byte, whatever
// the number of ranges. Input as fuzz_roundtrip's (1 byte magic and block length, 1 byte
// split point, then basis and new file); the split byte also picks 2..5 ranges.
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>

#include "fuzz_common.h"
#include "rsync/delta.h"
#include "rsync/parallel_delta.h"
#include "rsync/sigload.h"
#include "rsync/signature.h"

namespace {

std::vector<uint8_t> read_back(int fd) {
  std::vector<uint8_t> out(static_cast<size_t>(lseek(fd, 0, SEEK_END)));
  if (pread(fd, out.data(), out.size(), 0) != static_cast<ssize_t>(out.size())) abort();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Pair in;
  if (!fuzz::decode_pair(data, size, &in)) return 0;
  unsigned threads = 2 + in.split % 4;
  pf::rsync::SigParams params{in.magic, in.block, 8};
  pf::rsync::SignatureJob sj;
  if (sj.begin(params) != pf::Status::Ok) abort();
  std::vector<uint8_t> sig, expected;
  if (fuzz::drive(&sj, in.basis, in.basis_len, 4096, 4096, &sig) != pf::Status::Ok) abort();
  std::unique_ptr<pf::rsync::SignatureSet> loaded;
  std::string why;
  if (pf::rsync::SignatureSet::load(sig.data(), sig.size(), &loaded, &why) != pf::Status::Ok) abort();
  std::shared_ptr<const pf::rsync::SignatureSet> set(std::move(loaded));
  if (set->block_count() == 0) return 0;  // the slack delta is always streamed
  pf::rsync::DeltaJob dj;
  if (dj.begin(set) != pf::Status::Ok) abort();
  if (fuzz::drive(&dj, in.fresh, in.fresh_len, 4096, 4096, &expected) != pf::Status::Ok) abort();

  int in_fd = memfd_create("new", 0), out_fd = memfd_create("delta", 0);
  if (in_fd < 0 || out_fd < 0) abort();
  if (in.fresh_len && write(in_fd, in.fresh, in.fresh_len) != static_cast<ssize_t>(in.fresh_len)) abort();
  pf::rsync::FdTotals totals;
  if (pf::rsync::parallel_delta_fd(set, pf::rsync::kLiteralCap232, in_fd, static_cast<int64_t>(in.fresh_len), threads,
                                   out_fd, false, &totals, &why) != pf::Status::Ok) {
    abort();
  }
  std::vector<uint8_t> got = read_back(out_fd);
  close(in_fd);
  close(out_fd);
  if (got != expected || totals.in_bytes != in.fresh_len || totals.out_bytes != got.size()) abort();
  return 0;
}
