// The tar writer's fast path for the bulk of a tree: regular files and symlinks, in archive
// order across every directory, written straight into the caller's archive chunks. For a
// file it opens the name relative to its directory, checks it through the descriptor, writes
// the GNU header GNU tar would write, then the data (across as many chunks as it takes) and
// the padding; for a symlink, its header with the target. Anything else (other types, hard
// links, names or values a plain header cannot hold, a failure before the header is written)
// stops the fill at that entry, and the TypeScript writer, which handles every case, takes
// it. Byte-identical to src/engines/tar (header.ts, members.ts), warnings included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "rsync/signature_buffer.h"

namespace pf::tar {

constexpr size_t kBlock = 512;

// uid/gid -> uname/gname; an id missing from the table gets an empty name, as in ids.ts.
struct IdNames {
  std::unordered_map<uint32_t, std::string> users;
  std::unordered_map<uint32_t, std::string> groups;
};

// What the scan saw an entry as (scan.ts EntryKind); the dump re-checks it.
enum class EntryKind : uint8_t { File = 0, Symlink = 1, Other = 2 };

struct DumpPlan {
  std::vector<std::string> dirs;      // absolute directory paths
  std::vector<std::string> prefixes;  // archive path of each directory, with a trailing '/'
  std::vector<uint32_t> entry_dir;    // per entry: its index in dirs
  std::vector<std::string> entry_name;
  std::vector<EntryKind> entry_kind;
  bool follow_symlinks = false;
  // true: a file or symlink with more than one link stops the fill (the writer tracks hard links).
  bool track_hard_links = true;
  // A read failure once the header is written: true = warn and pad, false = fail the fill.
  bool ignore_failed_read = false;
  // Set: every regular file the fill stores also gets its librsync signature, computed from
  // the very bytes copied into the archive (the rsync engine's manifest), with these
  // resolve_sig_params arguments (block length 0 = recommended, strong length -1 = minimum),
  // resolved against each file's size.
  bool sign = false;
  uint32_t sig_magic = 0;
  int64_t sig_block_len = 0;
  int64_t sig_strong_len = 0;
};

// A file whose signature a fill made: it ends at `end` in FillResult::signature_bytes.
struct SignedEntry {
  size_t entry;
  size_t end;
};

enum class FillStop : uint8_t {
  Done = 0,   // every entry is in the archive
  Full = 1,   // no room left: call again with a new chunk (a file may be half written)
  Entry = 2,  // entries[next] is for the general path; the next fill starts after it
  Error = 3,  // a read failed after the header was written; `error` says why
};

struct FillResult {
  size_t end = 0;   // offset in the output just after the last byte written
  size_t next = 0;  // entries[0..next) are complete (Entry: next is the one left over)
  FillStop stop = FillStop::Done;
  uint64_t bytes_read = 0;  // file data bytes written by this fill
  uint32_t files = 0;       // files completed by this fill
  uint32_t symlinks = 0;
  std::vector<std::string> warnings;
  std::string error;
  // With plan.sign: the files completed by this fill, in `signed_entries` with their
  // signatures one after another in `signature_bytes`, or in `unsigned_entries` when they
  // changed while they were read (the archived bytes may mix two versions: no signature is
  // better than one the next level would trust).
  std::vector<SignedEntry> signed_entries;
  std::vector<uint8_t> signature_bytes;
  std::vector<size_t> unsigned_entries;
};

class TreeDumper {
 public:
  // The plan's vectors must have matching lengths and valid dir indices (checked by the caller).
  TreeDumper(std::shared_ptr<const IdNames> ids, DumpPlan plan);
  ~TreeDumper();
  TreeDumper(const TreeDumper&) = delete;
  TreeDumper& operator=(const TreeDumper&) = delete;

  // Writes members, going on where the last fill stopped, into out[start..cap). Never writes
  // past cap; needs start <= cap.
  FillResult fill(uint8_t* out, size_t cap, size_t start);

  size_t entries() const { return plan_.entry_name.size(); }

 private:
  struct Out;
  enum class Took : uint8_t { Member, Leave };
  int dir_fd(uint32_t dir);
  Took start_file(size_t i, Out& o);
  Took write_symlink(size_t i, Out& o, FillResult& r);
  bool continue_file(Out& o, FillResult& r);
  void finish_signature(FillResult& r);
  void close_file();

  std::shared_ptr<const IdNames> ids_;
  DumpPlan plan_;
  size_t next_ = 0;
  uint32_t open_dir_ = 0;
  int dir_fd_ = -1;
  // A file whose member is partly written: its data still to copy, then its padding.
  bool in_file_ = false;
  int file_fd_ = -1;
  uint64_t file_size_ = 0;
  uint64_t file_done_ = 0;  // data bytes written (read, or zeros after it shrank)
  bool file_shrank_ = false;
  size_t pad_left_ = 0;
  // With plan.sign: the file's signature so far; false once it changed while read.
  rsync::SignatureBuffer sig_;
  bool sig_valid_ = false;
  struct timespec file_ctime_ = {};
};

}  // namespace pf::tar
