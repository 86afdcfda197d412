// The restore's native extractor: `tar --incremental --extract` of one level into a target
// directory, confined to it, for the members that make up a tree (regular files, symlinks,
// hard links, directories with their dumpdir purge). Every name goes through the path rules
// (tar_paths.h) and every file is created by openat relative to a directory descriptor that
// was itself opened with O_NOFOLLOW, so nothing is ever written through a symlink, whoever
// made it. What it leaves to the TypeScript extractor, which handles every case, it returns
// as a stopped member (see FeedStop): directories with rename records, devices and FIFOs,
// types an engine's hook extracts, types nobody knows. TypeScript keeps the decisions (which
// levels, what a level may skip); this does the bytes and the system calls.
#pragma once

#include <sys/types.h>
#include <cstddef>
#include <cstdint>

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "file_writer.h"
#include "status.h"
#include "tar_parse.h"

namespace pf::tar {

struct ExtractOptions {
  bool chown = false;        // restore owners (the caller checked it runs as root)
  uint32_t umask = 077;      // the process's umask: a file whose mode it keeps is created with it
  std::string hooked_types;  // typeflags an engine's hook extracts: stop at them
  // Member keys ("a/b", tar_paths.h join) whose content a later level replaces or deletes:
  // not written at this level. Empty: everything is written.
  std::unordered_set<std::string> skip;
  // Member keys an earlier level skipped counting on this level to write them: finish()
  // reports how many never came (the restore must then start again without skips).
  std::unordered_set<std::string> needed;
};

enum class FeedStop : uint8_t {
  More = 0,    // the input is used up: feed more (or end())
  Member = 1,  // stopped_member() is for the caller, who consumes its data and padding
  Relink = 2,  // a hard link names a member this level skipped: extract the level again without skips
};

struct FeedResult {
  size_t used = 0;
  FeedStop stop = FeedStop::More;
  uint32_t files = 0;
  uint32_t directories = 0;
  uint64_t bytes_written = 0;
  uint32_t unmet = 0;          // finish(): needed members that never came
  Status status = Status::Ok;  // Corrupt/Truncated: integrity; Unsafe; Unsupported; IoFailed with err
  std::string message;
  int err = 0;
};

class TreeExtractor {
 public:
  // Opens the target directory; err is the errno when that fails (null returned).
  static std::unique_ptr<TreeExtractor> open(const std::string& root, ExtractOptions options, int& err);
  ~TreeExtractor();
  TreeExtractor(const TreeExtractor&) = delete;
  TreeExtractor& operator=(const TreeExtractor&) = delete;

  FeedResult feed(const uint8_t* data, size_t len);
  // After a Member stop: the member the caller extracts (its data and padding are counted as
  // consumed: the caller reads them from its own copy of the stream).
  const MemberHeader& stopped_member() const { return parser_.header(); }
  // The caller changed the tree (renames, removals): cached directory descriptors may name
  // other directories now.
  void forget();
  // At the end of input: whether it ended between members.
  FeedResult end() const;
  // Owner, mode and times of the directories made, once their content is written (as tar
  // does), only on a directory that is still the one made.
  FeedResult finish();

 private:
  enum class State : uint8_t { Header, Data, Padding };
  TreeExtractor(int root_fd, ExtractOptions options);
  bool on_member(FeedResult& r);
  bool on_directory(const MemberHeader& h, FeedResult& r);
  // A non-directory member's components; false (r failed) for a refused name or the target itself.
  bool entry_components(const MemberHeader& h, std::vector<std::string>& comps, FeedResult& r);
  // Whether this level skips the member at `rel` (a later level replaces it), remembering
  // what it skipped for the hard links that may name it.
  bool skips(const std::string& rel);
  bool on_file(const MemberHeader& h, FeedResult& r);
  bool on_symlink(const MemberHeader& h, FeedResult& r);
  bool on_hard_link(const MemberHeader& h, FeedResult& r);
  bool end_file(FeedResult& r);
  // Waits for the writer (the input must not go away before); its failure fails `r`.
  void drain(FeedResult& r);
  // The descriptor of the directory holding comps[0..count), made when missing and `create`.
  int directory(const std::vector<std::string>& comps, size_t count, bool create, const std::string& member,
                FeedResult& r);
  bool remove_existing(int dir_fd, const std::string& rel, const std::string& name, FeedResult& r);
  bool purge(int dir_fd, const std::string& rel, const std::string& dumpdir, FeedResult& r);
  void forget_below(const std::string& rel);
  bool sys_fail(FeedResult& r, const char* call, const std::string& rel, int err);
  bool fail(FeedResult& r, Status status, std::string message);

  struct Delayed {
    std::vector<std::string> comps;
    uint32_t mode;
    int64_t uid, gid, atime, mtime;
    uint64_t dev, ino;
  };

  // Owners to set: not the ones a new file already has (ours).
  bool needs_chown(int64_t uid, int64_t gid) const;

  int root_fd_;
  ExtractOptions options_;
  uid_t euid_;
  gid_t egid_;
  TarParser parser_;
  State state_ = State::Header;
  std::unordered_map<std::string, int> dirs_;  // rel path -> O_NOFOLLOW directory descriptor
  std::vector<Delayed> delayed_;
  std::unordered_map<std::string, size_t> delayed_at_;
  std::unordered_set<std::string> skipped_;  // members this level did not write
  // The regular member being written (fd -1: skipped), its data left, then the padding.
  std::unique_ptr<FileWriter> writer_;  // writes, sets up and closes the files opened here
  int file_fd_ = -1;                    // until its close is handed to the writer
  bool file_mode_set_ = false;          // created with its final mode: no fchmod
  MemberHeader file_;
  uint64_t data_left_ = 0;
  uint64_t pad_left_ = 0;
};

}  // namespace pf::tar
