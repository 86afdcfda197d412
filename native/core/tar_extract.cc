#include "tar_extract.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "tar_paths.h"

namespace pf::tar {
namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
// Directory descriptors kept open: members come directory by directory, so a few suffice,
// and a process has a thousand or so in all.
constexpr size_t kMaxCachedDirs = 128;
constexpr int kMaxRemoveDepth = 4096;

bool is_directory_type(char t) { return t == '5' || t == 'D'; }

bool has_renames(const std::string& dumpdir) {
  for (const DumpdirItem& e : decode_dumpdir(dumpdir))
    if (e.letter == 'R' || e.letter == 'T' || e.letter == 'X') return true;
  return false;
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

void close_quietly(int fd) {
  if (fd >= 0) ::close(fd);
}

// rm -rf of dir_fd/name, never following a symlink. 0 or an errno.
int remove_tree(int dir_fd, const char* name, int depth) {
  if (::unlinkat(dir_fd, name, 0) == 0) return 0;
  if (errno == ENOENT) return 0;
  if (errno != EISDIR && errno != EPERM) return errno;
  if (depth > kMaxRemoveDepth) return ELOOP;
  int fd = ::openat(dir_fd, name, kDirFlags);
  if (fd < 0) return errno;
  DIR* d = ::fdopendir(fd);
  if (!d) {
    int err = errno;
    ::close(fd);
    return err;
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
  }
  int err = 0;
  for (const std::string& n : names) {
    err = remove_tree(::dirfd(d), n.c_str(), depth + 1);
    if (err) break;
  }
  ::closedir(d);
  if (err) return err;
  return ::unlinkat(dir_fd, name, AT_REMOVEDIR) == 0 ? 0 : errno;
}

void set_times(timespec (&ts)[2], int64_t atime, int64_t mtime) {
  ts[0].tv_sec = static_cast<time_t>(atime);
  ts[0].tv_nsec = 0;
  ts[1].tv_sec = static_cast<time_t>(mtime);
  ts[1].tv_nsec = 0;
}

}  // namespace

std::unique_ptr<TreeExtractor> TreeExtractor::open(const std::string& root, ExtractOptions options, int& err) {
  int fd = ::open(root.c_str(), kDirFlags);
  if (fd < 0) {
    err = errno;
    return nullptr;
  }
  return std::unique_ptr<TreeExtractor>(new TreeExtractor(fd, std::move(options)));
}

TreeExtractor::TreeExtractor(int root_fd, ExtractOptions options)
    : root_fd_(root_fd),
      options_(std::move(options)),
      euid_(::geteuid()),
      egid_(::getegid()),
      writer_(std::make_unique<FileWriter>()) {}

bool TreeExtractor::needs_chown(int64_t uid, int64_t gid) const {
  return options_.chown && (uid != static_cast<int64_t>(euid_) || gid != static_cast<int64_t>(egid_));
}

TreeExtractor::~TreeExtractor() {
  writer_.reset();  // done with every descriptor it was given
  forget();
  close_quietly(file_fd_);
  close_quietly(root_fd_);
}

void TreeExtractor::drain(FeedResult& r) {
  std::string call, name;
  int err = writer_->drain(call, name);
  if (err && r.status == Status::Ok) sys_fail(r, call.c_str(), name, err);
}

void TreeExtractor::forget() {
  for (auto& [rel, fd] : dirs_) close_quietly(fd);
  dirs_.clear();
}

void TreeExtractor::forget_below(const std::string& rel) {
  for (auto it = dirs_.begin(); it != dirs_.end();) {
    const std::string& key = it->first;
    bool below = rel.empty() || key == rel ||
                 (key.size() > rel.size() && key.compare(0, rel.size(), rel) == 0 && key[rel.size()] == '/');
    if (below) {
      close_quietly(it->second);
      it = dirs_.erase(it);
    } else {
      ++it;
    }
  }
}

bool TreeExtractor::fail(FeedResult& r, Status status, std::string message) {
  r.status = status;
  r.message = std::move(message);
  return false;
}

bool TreeExtractor::sys_fail(FeedResult& r, const char* call, const std::string& rel, int err) {
  r.err = err;
  return fail(r, Status::IoFailed, std::string(call) + " \"" + (rel.empty() ? "." : rel) + "\": " + std::strerror(err));
}

FeedResult TreeExtractor::feed(const uint8_t* data, size_t len) {
  FeedResult r;
  while (r.used < len && r.status == Status::Ok && r.stop == FeedStop::More) {
    const size_t n = len - r.used;
    if (state_ == State::Data) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(data_left_, n));
      if (file_fd_ >= 0) {
        WriteJob job;
        job.fd = file_fd_;
        job.data = data + r.used;
        job.len = take;
        job.name = file_.name;
        writer_->submit(std::move(job));
        r.bytes_written += take;
      }
      data_left_ -= take;
      r.used += take;
      parser_.advance(take);
      if (data_left_ == 0 && !end_file(r)) break;
      continue;
    }
    if (state_ == State::Padding) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(pad_left_, n));
      pad_left_ -= take;
      r.used += take;
      parser_.advance(take);
      if (pad_left_ == 0) state_ = State::Header;
      continue;
    }
    ParseResult p = parser_.next(data + r.used, n);
    r.used += p.used;
    if (p.status != Status::Ok) {
      fail(r, p.status, std::move(p.message));
      break;
    }
    if (p.header) on_member(r);
  }
  drain(r);
  return r;
}

bool TreeExtractor::on_member(FeedResult& r) {
  const MemberHeader& h = parser_.header();
  const bool dir = is_directory_type(h.type);
  const bool hooked = !dir && options_.hooked_types.find(h.type) != std::string::npos;
  const bool known = dir || h.type == '0' || h.type == '7' || h.type == '1' || h.type == '2';
  if (!dir && !options_.needed.empty()) {
    std::vector<std::string> comps;
    std::string why;
    if (member_components(h.name, "member", comps, why)) options_.needed.erase(join_components(comps, comps.size()));
  }
  if (hooked || !known || (h.type == 'D' && has_renames(h.dumpdir))) {
    // The caller reads the member's data and padding from its own copy of the stream.
    parser_.advance(h.data_size + h.padding);
    r.stop = FeedStop::Member;
    return true;
  }
  data_left_ = h.data_size;
  pad_left_ = h.padding;
  if (dir) {
    state_ = pad_left_ > 0 ? State::Padding : State::Header;
    return on_directory(h, r);
  }
  if (h.type == '1') return on_hard_link(h, r);
  if (h.type == '2') return on_symlink(h, r);
  return on_file(h, r);
}

int TreeExtractor::directory(const std::vector<std::string>& comps, size_t count, bool create,
                             const std::string& member, FeedResult& r) {
  int fd = root_fd_;
  for (size_t i = 0; i < count; ++i) {
    std::string rel = join_components(comps, i + 1);
    auto hit = dirs_.find(rel);
    if (hit != dirs_.end()) {
      fd = hit->second;
      continue;
    }
    const char* name = comps[i].c_str();
    int next = ::openat(fd, name, kDirFlags);
    if (next < 0 && errno == ENOENT && create) {
      if (::mkdirat(fd, name, 0777) != 0 && errno != EEXIST) {
        sys_fail(r, "mkdir", rel, errno);
        return -1;
      }
      next = ::openat(fd, name, kDirFlags);
    }
    if (next < 0) {
      int err = errno;
      struct stat st;
      if (err == ENOENT) {
        fail(r, Status::Corrupt, "cannot extract " + quoted(member) + ": " + quoted(rel) + " does not exist");
      } else if ((err == ELOOP || err == ENOTDIR) && ::fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(st.st_mode)) {
          fail(r, Status::Unsafe,
               "refusing member " + quoted(member) + ": its path goes through the symlink " + quoted(rel));
        } else {
          fail(r, Status::Corrupt,
               "cannot extract " + quoted(member) + ": " + quoted(rel) + " exists and is not a directory");
        }
      } else {
        sys_fail(r, "open", rel, err);
      }
      return -1;
    }
    if (dirs_.size() >= kMaxCachedDirs) forget();
    dirs_.emplace(std::move(rel), next);
    fd = next;
  }
  return fd;
}

bool TreeExtractor::remove_existing(int dir_fd, const std::string& rel, const std::string& name, FeedResult& r) {
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT ? true : sys_fail(r, "lstat", rel, errno);
  }
  if (S_ISDIR(st.st_mode)) {
    forget_below(rel);
    int err = remove_tree(dir_fd, name.c_str(), 0);
    return err ? sys_fail(r, "rm", rel, err) : true;
  }
  return ::unlinkat(dir_fd, name.c_str(), 0) == 0 || errno == ENOENT ? true : sys_fail(r, "unlink", rel, errno);
}

bool TreeExtractor::on_directory(const MemberHeader& h, FeedResult& r) {
  std::vector<std::string> comps;
  std::string why;
  if (!member_components(h.name, "member", comps, why)) return fail(r, Status::Unsafe, why);
  r.directories++;
  const std::string rel = join_components(comps, comps.size());
  int fd = root_fd_;
  if (!comps.empty()) {
    int parent = directory(comps, comps.size() - 1, true, h.name, r);
    if (parent < 0) return false;
    const std::string& name = comps.back();
    struct stat st;
    bool is_dir = ::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    if (!is_dir) {
      // Whatever is in the way (a symlink included: never followed) is replaced.
      if (!remove_existing(parent, rel, name, r)) return false;
      if (::mkdirat(parent, name.c_str(), 0700) != 0) return sys_fail(r, "mkdir", rel, errno);
    }
    fd = directory(comps, comps.size(), false, h.name, r);
    if (fd < 0) return false;
  }
  if (h.type == 'D' && h.has_dumpdir && !purge(fd, rel, h.dumpdir, r)) return false;
  struct stat st;
  if (::fstat(fd, &st) != 0) return sys_fail(r, "stat", rel, errno);
  Delayed d{comps,
            h.mode,
            h.uid,
            h.gid,
            h.has_atime ? h.atime : h.mtime,
            h.mtime,
            static_cast<uint64_t>(st.st_dev),
            static_cast<uint64_t>(st.st_ino)};
  auto at = delayed_at_.find(rel);
  if (at != delayed_at_.end()) {
    delayed_[at->second] = std::move(d);
  } else {
    delayed_at_.emplace(rel, delayed_.size());
    delayed_.push_back(std::move(d));
  }
  return true;
}

// Deletes what the dumpdir says is gone (src/engines/tar/purge.ts): names not listed, a
// directory listed as a non-directory ('Y'), a non-directory listed as 'D'. 'N' stays.
bool TreeExtractor::purge(int dir_fd, const std::string& rel, const std::string& dumpdir, FeedResult& r) {
  std::unordered_map<std::string, char> listed;
  for (const DumpdirItem& e : decode_dumpdir(dumpdir))
    if (e.letter == 'Y' || e.letter == 'N' || e.letter == 'D') listed[e.name] = e.letter;
  int fd = ::openat(dir_fd, ".", kDirFlags);
  if (fd < 0) return sys_fail(r, "open", rel, errno);
  DIR* d = ::fdopendir(fd);
  if (!d) {
    int err = errno;
    ::close(fd);
    return sys_fail(r, "opendir", rel, err);
  }
  std::vector<std::pair<std::string, bool>> present;
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      is_dir = ::fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    }
    present.emplace_back(e->d_name, is_dir);
  }
  ::closedir(d);
  for (const auto& [name, is_dir] : present) {
    auto it = listed.find(name);
    char letter = it == listed.end() ? 0 : it->second;
    if (letter == 'N') continue;
    if (letter == 0 || (letter == 'Y' && is_dir) || (letter == 'D' && !is_dir)) {
      std::string child = rel.empty() ? name : rel + "/" + name;
      forget_below(child);
      int err = remove_tree(dir_fd, name.c_str(), 0);
      if (err) return sys_fail(r, "rm", child, err);
    }
  }
  return true;
}

bool TreeExtractor::entry_components(const MemberHeader& h, std::vector<std::string>& comps, FeedResult& r) {
  std::string why;
  if (!member_components(h.name, "member", comps, why)) return fail(r, Status::Unsafe, why);
  if (comps.empty()) {
    return fail(r, Status::Unsafe, "refusing member " + quoted(h.name) + ": it would replace the target directory");
  }
  return true;
}

bool TreeExtractor::skips(const std::string& rel) {
  if (options_.skip.empty()) return false;  // and nothing was skipped
  if (options_.skip.count(rel)) {
    skipped_.insert(rel);
    return true;
  }
  skipped_.erase(rel);
  return false;
}

bool TreeExtractor::on_file(const MemberHeader& h, FeedResult& r) {
  std::vector<std::string> comps;
  if (!entry_components(h, comps, r)) return false;
  file_ = h;
  state_ = State::Data;
  const std::string rel = join_components(comps, comps.size());
  if (skips(rel)) {
    file_fd_ = -1;
  } else {
    int dir = directory(comps, comps.size() - 1, true, h.name, r);
    if (dir < 0) return false;
    const char* name = comps.back().c_str();
    // O_EXCL|O_NOFOLLOW: a fresh inode, whatever raced into the name; what was there is
    // unlinked, never written through (a hard link to a file outside keeps its content).
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    // A plain mode the umask keeps is given at creation (a syscall fewer per file); any other
    // is set at the end, when the content is in. A restore extracts into a 0700 staging
    // directory, so nobody else sees a file before it is whole either way.
    file_mode_set_ = (h.mode & ~0777u) == 0 && (h.mode & options_.umask) == 0;
    const mode_t create = file_mode_set_ ? static_cast<mode_t>(h.mode) : 0600;
    file_fd_ = ::openat(dir, name, flags, create);
    if (file_fd_ < 0 && errno == EEXIST) {
      if (!remove_existing(dir, rel, comps.back(), r)) return false;
      file_fd_ = ::openat(dir, name, flags, create);
    }
    if (file_fd_ < 0) return sys_fail(r, "open", rel, errno);
  }
  if (data_left_ == 0) return end_file(r);
  return true;
}

bool TreeExtractor::end_file(FeedResult& r) {
  state_ = pad_left_ > 0 ? State::Padding : State::Header;
  if (file_fd_ < 0) return true;
  WriteJob job;
  job.fd = file_fd_;
  job.close = true;
  job.attrs.chown = needs_chown(file_.uid, file_.gid);
  job.attrs.uid = file_.uid;
  job.attrs.gid = file_.gid;
  job.attrs.chmod = !file_mode_set_;
  job.attrs.mode = file_.mode;
  job.attrs.atime = file_.has_atime ? file_.atime : file_.mtime;
  job.attrs.mtime = file_.mtime;
  job.name = file_.name;
  file_fd_ = -1;
  writer_->submit(std::move(job));
  r.files++;
  return true;
}

bool TreeExtractor::on_symlink(const MemberHeader& h, FeedResult& r) {
  std::vector<std::string> comps;
  if (!entry_components(h, comps, r)) return false;
  state_ = pad_left_ > 0 ? State::Padding : State::Header;
  const std::string rel = join_components(comps, comps.size());
  if (skips(rel)) return true;
  int dir = directory(comps, comps.size() - 1, true, h.name, r);
  if (dir < 0) return false;
  const std::string& name = comps.back();
  if (!remove_existing(dir, rel, name, r)) return false;
  if (::symlinkat(h.linkname.c_str(), dir, name.c_str()) != 0) return sys_fail(r, "symlink", rel, errno);
  if (needs_chown(h.uid, h.gid) &&
      ::fchownat(dir, name.c_str(), static_cast<uid_t>(h.uid), static_cast<gid_t>(h.gid), AT_SYMLINK_NOFOLLOW) != 0) {
    return sys_fail(r, "lchown", rel, errno);
  }
  timespec ts[2];
  set_times(ts, h.has_atime ? h.atime : h.mtime, h.mtime);
  if (::utimensat(dir, name.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0) return sys_fail(r, "lutimes", rel, errno);
  r.files++;
  return true;
}

bool TreeExtractor::on_hard_link(const MemberHeader& h, FeedResult& r) {
  std::vector<std::string> comps;
  std::vector<std::string> target;
  std::string why;
  if (!entry_components(h, comps, r)) return false;
  state_ = pad_left_ > 0 ? State::Padding : State::Header;
  int dir = directory(comps, comps.size() - 1, true, h.name, r);
  if (dir < 0) return false;
  if (!member_components(h.linkname, "hard-link target of " + quoted(h.name), target, why)) {
    return fail(r, Status::Unsafe, why);
  }
  if (target.empty()) {
    return fail(r, Status::Unsafe, "refusing hard link " + quoted(h.name) + " to the target directory");
  }
  const std::string rel = join_components(comps, comps.size());
  const std::string target_rel = join_components(target, target.size());
  if (skipped_.count(target_rel)) {
    r.stop = FeedStop::Relink;
    return true;
  }
  int target_dir = directory(target, target.size() - 1, false, h.name, r);
  if (target_dir < 0) return false;
  if (target_rel == rel) return true;
  struct stat st;
  if (::fstatat(target_dir, target.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno != ENOENT) return sys_fail(r, "lstat", target_rel, errno);
    return fail(r, Status::Corrupt,
                "cannot hard link " + quoted(h.name) + " to " + quoted(h.linkname) + ": the target does not exist");
  }
  // The target's directory descriptor may be dropped by the removal: link by a fresh lookup.
  if (!remove_existing(dir, rel, comps.back(), r)) return false;
  target_dir = directory(target, target.size() - 1, false, h.name, r);
  if (target_dir < 0) return false;
  dir = directory(comps, comps.size() - 1, false, h.name, r);
  if (dir < 0) return false;
  if (::linkat(target_dir, target.back().c_str(), dir, comps.back().c_str(), 0) != 0) {
    return sys_fail(r, "link", rel, errno);
  }
  skipped_.erase(rel);
  r.files++;
  return true;
}

FeedResult TreeExtractor::end() const {
  FeedResult r;
  if (state_ == State::Data) {
    r.status = Status::Truncated;
    r.message = "truncated tar archive: unexpected end of data in the data of \"" + file_.name + "\" at offset " +
                std::to_string(parser_.offset());
    return r;
  }
  if (state_ == State::Padding) {
    r.status = Status::Truncated;
    r.message = "truncated tar archive: unexpected end of data in the padding of \"" + parser_.header().name +
                "\" at offset " + std::to_string(parser_.offset());
    return r;
  }
  ParseResult p = parser_.end();
  r.status = p.status;
  r.message = p.message;
  return r;
}

FeedResult TreeExtractor::finish() {
  FeedResult r;
  drain(r);
  if (r.status != Status::Ok) return r;
  r.unmet = static_cast<uint32_t>(options_.needed.size());
  for (const Delayed& d : delayed_) {
    // Looked up again through descriptors opened with O_NOFOLLOW (those cached are still
    // right: whatever removed or replaced a directory dropped it); a directory a later member
    // replaced, or moved a parent of, is left alone.
    FeedResult ignored;
    int fd = directory(d.comps, d.comps.size(), false, "", ignored);
    if (fd < 0) continue;
    struct stat st;
    bool same =
        ::fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_dev) == d.dev && static_cast<uint64_t>(st.st_ino) == d.ino;
    timespec ts[2];
    set_times(ts, d.atime, d.mtime);
    const std::string rel = join_components(d.comps, d.comps.size());
    int err = 0;
    const char* call = "";
    if (same && needs_chown(d.uid, d.gid) && ::fchown(fd, static_cast<uid_t>(d.uid), static_cast<gid_t>(d.gid)) != 0) {
      err = errno, call = "chown";
    } else if (same && ::fchmod(fd, d.mode) != 0) {
      err = errno, call = "chmod";
    } else if (same && ::futimens(fd, ts) != 0) {
      err = errno, call = "utimes";
    }
    if (err) {
      sys_fail(r, call, rel, err);
      break;
    }
  }
  forget();
  return r;
}

}  // namespace pf::tar
