// libFuzzer: signature -> delta -> patch round trip. Input: 1 byte (magic, block length),
// 1 byte split point, then data cut into basis and new file. With full-length strong sums
// the patched output must equal the new file, whatever the chunking.
#include <cstring>
#include <memory>
#include <string>

#include "fuzz_common.h"
#include "rsync/delta.h"
#include "rsync/patch.h"
#include "rsync/sigload.h"
#include "rsync/signature.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Pair in;
  if (!fuzz::decode_pair(data, size, &in)) return 0;
  pf::rsync::SigParams params{in.magic, in.block, static_cast<uint32_t>(pf::rsync::magic_max_strong(in.magic))};
  pf::rsync::SignatureJob sj;
  if (sj.begin(params) != pf::Status::Ok) abort();
  std::vector<uint8_t> sig, delta, out;
  if (fuzz::drive(&sj, in.basis, in.basis_len, 1 + in.split % 7, 1 + in.shape % 11, &sig) != pf::Status::Ok) abort();
  std::unique_ptr<pf::rsync::SignatureSet> set;
  std::string why;
  if (pf::rsync::SignatureSet::load(sig.data(), sig.size(), &set, &why) != pf::Status::Ok) abort();
  pf::rsync::DeltaJob dj;
  if (dj.begin(std::shared_ptr<const pf::rsync::SignatureSet>(std::move(set))) != pf::Status::Ok) abort();
  if (fuzz::drive(&dj, in.fresh, in.fresh_len, 1 + in.split % 13, 1 + in.shape % 5, &delta) != pf::Status::Ok) abort();
  pf::rsync::PatchJob pj;
  if (pj.begin(std::make_unique<pf::rsync::MemoryBasis>(in.basis, in.basis_len)) != pf::Status::Ok) abort();
  if (fuzz::drive(&pj, delta.data(), delta.size(), 3, 5, &out) != pf::Status::Ok) abort();
  if (out.size() != in.fresh_len || (in.fresh_len && std::memcmp(out.data(), in.fresh, in.fresh_len) != 0)) abort();
  return 0;
}
