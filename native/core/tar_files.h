// The tar writer's fast path for the bulk of a tree: plain regular files that fit whole in
// the current archive chunk. For each one it opens the file relative to its directory, checks
// it through the descriptor, writes the GNU header GNU tar would write, reads the data
// straight after it and pads to a block. Everything else (other file types, hard links,
// names or values a plain header cannot hold, errors, files that change while read, files
// bigger than the room left) stops the batch, and the TypeScript writer, which handles every
// case, takes that entry. Byte-identical to src/engines/tar (header.ts, members.ts).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace pf::tar {

constexpr size_t kBlock = 512;

// uid/gid -> uname/gname; an id missing from the table gets an empty name, as in ids.ts.
struct IdNames {
  std::unordered_map<uint32_t, std::string> users;
  std::unordered_map<uint32_t, std::string> groups;
};

struct FileBatch {
  std::string dir;         // directory the names are in (absolute)
  std::string rel_prefix;  // archive path of that directory, with a trailing '/'
  std::vector<std::string> names;
  bool follow_symlinks = false;
  // true: a file with more than one link stops the batch (the writer tracks hard links).
  bool track_hard_links = true;
};

struct BatchResult {
  size_t handled = 0;       // names[0..handled) are in the archive, each complete
  size_t end = 0;           // offset in the output just after the last of them
  uint64_t bytes_read = 0;  // file data bytes they hold
};

// Writes members for batch.names in order into out[start..cap), stopping at the first name
// the fast path does not take (see above). Never writes past cap; bytes after result.end
// are scratch. Needs start <= cap.
BatchResult dump_files(const FileBatch& batch, const IdNames& ids, uint8_t* out, size_t cap, size_t start);

}  // namespace pf::tar
