// Directory listings for the tar scan (src/engines/tar/scan.ts): names in strcmp order (GNU
// tar's order), the type getdents reports, and the stat of the entries the scan needs it for
// (directories, unknown types, symlinks it follows, or every entry of a directory it compares
// with the previous level). Failures are reported per directory and per entry as errno
// values; the scan decides what they mean.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pf::tar {

// Types as scan.ts EntryKind, plus Unknown (DT_UNKNOWN: only a stat can tell).
enum class ListedKind : uint8_t { File = 0, Dir = 1, Symlink = 2, Other = 3, Unknown = 4 };

// The fields of struct stat the scan uses, in this order (ListedDir::stats holds 13 per entry):
// dev, ino, mode, nlink, uid, gid, size, then seconds and nanoseconds of atime, mtime, ctime
// (kept apart: a time in nanoseconds overflows 64 bits past the year 2262).
constexpr size_t kStatFields = 13;

struct ListedDir {
  int error = 0;  // errno of opening or reading the directory (no entries then)
  std::vector<std::string> names;
  std::vector<ListedKind> kinds;
  std::vector<int32_t> stat_error;  // per entry: 0, or the errno of its stat
  std::vector<int32_t> stat_at;     // per entry: its index in stats / kStatFields, or -1
  std::vector<int64_t> stats;
};

ListedDir list_directory(const std::string& path, bool stat_all, bool follow_symlinks);

}  // namespace pf::tar
