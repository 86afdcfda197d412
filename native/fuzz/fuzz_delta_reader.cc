// libFuzzer: the patcher's command reader over arbitrary bytes split at fuzzer-chosen
// points. Commands it returns must be valid (non-zero lengths, positions < 2^63), and
// splitting the input must not change what it returns.
#include <vector>

#include "rsync/command.h"

namespace {

struct Outcome {
  std::vector<pf::rsync::Command> cmds;
  pf::Status status = pf::Status::Ok;
};

Outcome read_all(const uint8_t* data, size_t size, size_t chunk) {
  Outcome o;
  pf::rsync::CommandReader reader;
  size_t off = 0;
  while (off < size) {
    size_t n = size - off < chunk ? size - off : chunk, used = 0;
    pf::rsync::Command cmd;
    auto step = reader.next(data + off, n, &used, &cmd);
    if (used > n) abort();
    off += used;
    if (step == pf::rsync::CommandReader::Step::Failed) {
      o.status = reader.status();
      if (reader.message().empty()) abort();
      break;
    }
    if (step == pf::rsync::CommandReader::Step::NeedInput) continue;
    if (cmd.kind != pf::rsync::Command::End && (cmd.length == 0 || cmd.length >> 63)) abort();
    if (cmd.offset >> 63) abort();
    o.cmds.push_back(cmd);
    if (cmd.kind == pf::rsync::Command::End) break;
    if (cmd.kind == pf::rsync::Command::Literal) {
      uint64_t skip = cmd.length < size - off ? cmd.length : size - off;
      off += skip;
      reader.skip(skip);
    }
  }
  return o;
}

bool same(const Outcome& a, const Outcome& b) {
  if (a.status != b.status || a.cmds.size() != b.cmds.size()) return false;
  for (size_t i = 0; i < a.cmds.size(); ++i) {
    const auto &x = a.cmds[i], &y = b.cmds[i];
    if (x.kind != y.kind || x.offset != y.offset || x.length != y.length || x.at != y.at) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t chunk = 1 + data[0] % 19;
  if (!same(read_all(data + 1, size - 1, chunk), read_all(data + 1, size - 1, size))) abort();
  return 0;
}
