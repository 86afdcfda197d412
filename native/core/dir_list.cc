#include "dir_list.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <numeric>

namespace pf::tar {
namespace {

ListedKind kind_of(unsigned char d_type) {
  switch (d_type) {
    case DT_REG: return ListedKind::File;
    case DT_DIR: return ListedKind::Dir;
    case DT_LNK: return ListedKind::Symlink;
    case DT_UNKNOWN: return ListedKind::Unknown;
    default: return ListedKind::Other;
  }
}

void put_stat(const struct stat& st, std::vector<int64_t>* out) {
  const int64_t fields[kStatFields] = {static_cast<int64_t>(st.st_dev),
                                       static_cast<int64_t>(st.st_ino),
                                       static_cast<int64_t>(st.st_mode),
                                       static_cast<int64_t>(st.st_nlink),
                                       static_cast<int64_t>(st.st_uid),
                                       static_cast<int64_t>(st.st_gid),
                                       static_cast<int64_t>(st.st_size),
                                       st.st_atim.tv_sec,
                                       st.st_atim.tv_nsec,
                                       st.st_mtim.tv_sec,
                                       st.st_mtim.tv_nsec,
                                       st.st_ctim.tv_sec,
                                       st.st_ctim.tv_nsec};
  out->insert(out->end(), fields, fields + kStatFields);
}

}  // namespace

ListedDir list_directory(const std::string& path, bool stat_all, bool follow_symlinks) {
  ListedDir out;
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    out.error = errno;
    return out;
  }
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    out.error = errno;
    ::close(fd);
    return out;
  }
  std::vector<std::string> names;
  std::vector<unsigned char> types;
  for (;;) {
    errno = 0;
    struct dirent* e = ::readdir(dir);
    if (!e) {
      if (errno != 0) out.error = errno;
      break;
    }
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    names.emplace_back(e->d_name);
    types.push_back(e->d_type);
  }
  if (out.error != 0) {
    ::closedir(dir);
    return out;
  }
  std::vector<size_t> order(names.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return std::strcmp(names[a].c_str(), names[b].c_str()) < 0; });

  out.names.reserve(names.size());
  out.kinds.reserve(names.size());
  out.stat_error.assign(names.size(), 0);
  out.stat_at.assign(names.size(), -1);
  const int dirfd = ::dirfd(dir);
  for (size_t i = 0; i < order.size(); ++i) {
    const ListedKind kind = kind_of(types[order[i]]);
    out.names.push_back(std::move(names[order[i]]));
    out.kinds.push_back(kind);
    const bool wanted = stat_all || kind == ListedKind::Dir || kind == ListedKind::Unknown ||
                        (kind == ListedKind::Symlink && follow_symlinks);
    if (!wanted) continue;
    struct stat st;
    if (::fstatat(dirfd, out.names.back().c_str(), &st, follow_symlinks ? 0 : AT_SYMLINK_NOFOLLOW) != 0) {
      out.stat_error[i] = errno;
      continue;
    }
    out.stat_at[i] = static_cast<int32_t>(out.stats.size() / kStatFields);
    put_stat(st, &out.stats);
  }
  ::closedir(dir);
  return out;
}

}  // namespace pf::tar
