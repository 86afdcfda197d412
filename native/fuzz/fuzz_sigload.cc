// libFuzzer: parse arbitrary bytes as a signature file; when it loads, run a delta of the
// same bytes against it in fuzzer-chosen chunk sizes and check the delta's shape.
#include <memory>
#include <string>

#include "fuzz_common.h"
#include "rsync/delta.h"
#include "rsync/sigload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::unique_ptr<pf::rsync::SignatureSet> set;
  std::string why;
  pf::Status s = pf::rsync::SignatureSet::load(data, size, &set, &why);
  if (s != pf::Status::Ok) {
    if (why.empty()) abort();
    return 0;
  }
  if (set->params().block_len > 1 << 16) return 0;  // keep windows small
  pf::rsync::DeltaJob job;
  if (job.begin(std::shared_ptr<const pf::rsync::SignatureSet>(std::move(set))) != pf::Status::Ok) abort();
  size_t in_chunk = 1 + (size ? data[size - 1] : 0), out_chunk = 1 + (size > 1 ? data[size - 2] % 64 : 0);
  std::vector<uint8_t> out;
  size_t new_len = size < 4096 ? size : 4096;  // tiny blocks make every byte a strong-sum probe
  if (fuzz::drive(&job, data, new_len, in_chunk, out_chunk, &out) != pf::Status::Ok) abort();
  if (out.size() < 5 || out[0] != 0x72 || out.back() != 0) abort();
  return 0;
}
