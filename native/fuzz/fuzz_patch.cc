// libFuzzer: apply an arbitrary delta to a generated basis. Input layout: 2 bytes basis
// length (BE, mod 4096), 1 byte input chunk, 1 byte output chunk, then the delta. The
// memory-buffer and fd (memfd + pread) bases must agree, whatever the chunking; the fd run
// passes literals through as patchFile does.
#include <sys/mman.h>
#include <unistd.h>

#include <memory>

#include "fuzz_common.h"
#include "rsync/basis.h"
#include "rsync/patch.h"

namespace {

std::vector<uint8_t> make_basis(size_t n) {
  std::vector<uint8_t> b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>('A' + (i * 7 + i / 13) % 58);
  return b;
}

pf::Status run(std::unique_ptr<pf::rsync::Basis> basis, const uint8_t* d, size_t n, size_t ic, size_t oc,
               std::vector<uint8_t>* out, bool pass_literals_through) {
  pf::rsync::PatchJob job;
  if (pass_literals_through) job.pass_literals_through();
  if (job.begin(std::move(basis)) != pf::Status::Ok) abort();
  return fuzz::drive(&job, d, n, ic, oc, out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  std::vector<uint8_t> basis = make_basis(((data[0] << 8) | data[1]) % 4096);
  size_t ic = 1 + data[2], oc = 1 + data[3];
  const uint8_t* d = data + 4;
  size_t n = size - 4;
  std::vector<uint8_t> mem_out, fd_out;
  pf::Status a =
      run(std::make_unique<pf::rsync::MemoryBasis>(basis.data(), basis.size()), d, n, ic, oc, &mem_out, false);
  int fd = memfd_create("basis", 0);
  if (fd < 0 || write(fd, basis.data(), basis.size()) != static_cast<ssize_t>(basis.size())) abort();
  auto fb = std::make_unique<pf::rsync::FdBasis>();
  std::string why;
  if (fb->open(fd, &why) != pf::Status::Ok) abort();
  pf::Status b = run(std::move(fb), d, n, n ? n : 1, 1 << 16, &fd_out, true);
  close(fd);
  if (a != b || (a == pf::Status::Ok && mem_out != fd_out)) abort();
  return 0;
}
