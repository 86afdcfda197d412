// libFuzzer: signature -> delta -> patch round trip. Input: 1 byte (magic, block length),
// 1 byte split point, then data cut into basis and new file. With full-length strong sums
// the patched output must equal the new file, whatever the chunking.
#include <cstring>
#include <memory>
#include <string>

#include "fuzz_common.h"
#include "rsync/delta.h"
#include "rsync/patch.h"
#include "rsync/signature.h"
#include "rsync/sigload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const uint32_t kMagics[4] = {pf::rsync::kMagicRsMd4, pf::rsync::kMagicRsBlake2, pf::rsync::kMagicRkMd4,
                                      pf::rsync::kMagicRkBlake2};
  uint32_t magic = kMagics[data[0] & 3], block = 1 + (data[0] >> 2) % 40;
  const uint8_t* body = data + 2;
  size_t n = size - 2, cut = n * data[1] / 255;
  pf::rsync::SigParams params{magic, block, static_cast<uint32_t>(pf::rsync::magic_max_strong(magic))};
  pf::rsync::SignatureJob sj;
  if (sj.begin(params) != pf::Status::Ok) abort();
  std::vector<uint8_t> sig, delta, out;
  if (fuzz::drive(&sj, body, cut, 1 + data[1] % 7, 1 + data[0] % 11, &sig) != pf::Status::Ok) abort();
  std::unique_ptr<pf::rsync::SignatureSet> set;
  std::string why;
  if (pf::rsync::SignatureSet::load(sig.data(), sig.size(), &set, &why) != pf::Status::Ok) abort();
  pf::rsync::DeltaJob dj;
  if (dj.begin(std::shared_ptr<const pf::rsync::SignatureSet>(std::move(set))) != pf::Status::Ok) abort();
  if (fuzz::drive(&dj, body + cut, n - cut, 1 + data[1] % 13, 1 + data[0] % 5, &delta) != pf::Status::Ok) abort();
  pf::rsync::PatchJob pj;
  if (pj.begin(std::make_unique<pf::rsync::MemoryBasis>(body, cut)) != pf::Status::Ok) abort();
  if (fuzz::drive(&pj, delta.data(), delta.size(), 3, 5, &out) != pf::Status::Ok) abort();
  if (out.size() != n - cut || (n - cut && std::memcmp(out.data(), body + cut, n - cut) != 0)) abort();
  return 0;
}
