#include "tar_files.h"

#include "fd_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace pf::tar {
namespace {

constexpr size_t kNameField = 100;
constexpr size_t kIdNameField = 32;

// GNU tar's octal form: len-1 zero-padded digits and a NUL. False when the value needs more
// digits (GNU tar then switches to base-256, which only the TypeScript writer produces).
bool put_octal(uint8_t* field, size_t len, uint64_t value) {
  if (value >= (uint64_t{1} << (3 * (len - 1)))) return false;
  for (size_t i = len - 1; i-- > 0;) {
    field[i] = static_cast<uint8_t>('0' + (value & 7));
    value >>= 3;
  }
  field[len - 1] = 0;
  return true;
}

bool put_time(uint8_t* field, const struct timespec& t) {
  return t.tv_sec >= 0 && put_octal(field, 12, static_cast<uint64_t>(t.tv_sec));
}

// A value longer than its field keeps its first bytes, as tar does.
void put_name(uint8_t* field, size_t len, const std::string& s) {
  std::memcpy(field, s.data(), std::min(len, s.size()));
}

const std::string& name_of(const std::unordered_map<uint32_t, std::string>& table, uint32_t id) {
  static const std::string kNone;
  auto it = table.find(id);
  return it == table.end() ? kNone : it->second;
}

// header.ts encodeHeader() for a member built as dump-context.ts headerFromStat() does: a
// '0' member of `size` bytes, or a '2' member with its target. False when a field would need
// what only the TypeScript writer produces (an 'L'/'K' entry, base-256).
bool encode_header(uint8_t* h, const std::string& name, const struct stat& st, char typeflag, uint64_t size,
                   const std::string& link, const IdNames& ids) {
  if (name.size() > kNameField || link.size() > kNameField) return false;
  std::memset(h, 0, kBlock);
  put_name(h, kNameField, name);
  bool fits = put_octal(h + 100, 8, st.st_mode & 07777) && put_octal(h + 108, 8, st.st_uid) &&
              put_octal(h + 116, 8, st.st_gid) && put_octal(h + 124, 12, size) && put_time(h + 136, st.st_mtim) &&
              put_time(h + 345, st.st_atim) && put_time(h + 357, st.st_ctim);
  if (!fits) return false;
  h[156] = static_cast<uint8_t>(typeflag);
  put_name(h + 157, kNameField, link);
  std::memcpy(h + 257, "ustar  ", 8);  // GNU magic, its NUL included
  put_name(h + 265, kIdNameField, name_of(ids.users, st.st_uid));
  put_name(h + 297, kIdNameField, name_of(ids.groups, st.st_gid));
  // `%06o\0 `, with the checksum field counted as eight spaces (it is still zero here).
  unsigned sum = 8 * ' ';
  for (size_t i = 0; i < kBlock; ++i) sum += h[i];
  put_octal(h + 148, 7, sum);  // at most 512 * 255: always six digits
  h[155] = ' ';
  return true;
}

size_t padding_of(uint64_t size) { return static_cast<size_t>((kBlock - size % kBlock) % kBlock); }

bool plain_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

}  // namespace

struct TreeDumper::Out {
  uint8_t* buf;
  size_t pos;
  size_t cap;
  size_t room() const { return cap - pos; }
};

TreeDumper::TreeDumper(std::shared_ptr<const IdNames> ids, DumpPlan plan)
    : ids_(std::move(ids)), plan_(std::move(plan)) {}

TreeDumper::~TreeDumper() {
  close_file();
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

void TreeDumper::close_file() {
  if (file_fd_ >= 0) ::close(file_fd_);
  file_fd_ = -1;
}

// Entries come directory by directory, so one descriptor at a time is kept open.
int TreeDumper::dir_fd(uint32_t dir) {
  if (dir_fd_ >= 0 && open_dir_ == dir) return dir_fd_;
  if (dir_fd_ >= 0) ::close(dir_fd_);
  dir_fd_ = ::open(plan_.dirs[dir].c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  open_dir_ = dir;
  return dir_fd_;
}

// Opens and checks entries[i] and writes its header; its data follows in continue_file.
TreeDumper::Took TreeDumper::start_file(size_t i, Out& o) {
  const std::string& name = plan_.entry_name[i];
  int dirfd = dir_fd(plan_.entry_dir[i]);
  if (dirfd < 0 || !plain_name(name)) return Took::Leave;
  // O_NONBLOCK and O_NOFOLLOW as members.ts: a FIFO swapped in cannot block, a symlink cannot redirect.
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | (plan_.follow_symlinks ? 0 : O_NOFOLLOW));
  if (fd < 0) return Took::Leave;
  struct stat st;
  bool ours = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && !(plan_.track_hard_links && st.st_nlink > 1);
  const auto size = static_cast<uint64_t>(st.st_size);
  if (ours) ours = encode_header(o.buf + o.pos, plan_.prefixes[plan_.entry_dir[i]] + name, st, '0', size, {}, *ids_);
  if (!ours) {
    ::close(fd);
    return Took::Leave;
  }
  o.pos += kBlock;
  in_file_ = true;
  file_fd_ = fd;
  file_size_ = size;
  file_done_ = 0;
  file_shrank_ = false;
  pad_left_ = padding_of(size);
  if (plan_.sign) {
    rsync::SigParams params;
    std::string why;
    // The plan's arguments were checked when it was made; only the size varies here.
    sig_valid_ = rsync::resolve_sig_params(static_cast<int64_t>(size), plan_.sig_magic, plan_.sig_block_len,
                                           plan_.sig_strong_len, &params, &why) == Status::Ok &&
                 sig_.begin(params, size) == Status::Ok;
    file_ctime_ = st.st_ctim;
  }
  return Took::Member;
}

// Data, then padding, of the file in progress, as far as the room goes; true when complete.
// A file that shrinks is padded with zeros and one that grows is cut, with the warnings of
// members.ts copyFileData, so the archive stays in step with the header.
bool TreeDumper::continue_file(Out& o, FillResult& r) {
  const std::string name = plan_.prefixes[plan_.entry_dir[next_]] + plan_.entry_name[next_];
  while (file_done_ < file_size_ && o.room() > 0) {
    const auto want = static_cast<size_t>(std::min<uint64_t>(file_size_ - file_done_, o.room()));
    if (file_shrank_) {
      std::memset(o.buf + o.pos, 0, want);
      o.pos += want;
      file_done_ += want;
      continue;
    }
    size_t got = 0;
    std::string why;
    if (read_some(file_fd_, o.buf + o.pos, want, &got, &why) != Status::Ok) {
      if (!plan_.ignore_failed_read) {
        r.stop = FillStop::Error;
        r.error = "cannot read " + name + ": " + why;
        return false;
      }
      r.warnings.push_back(name + ": read error: " + why);
      got = 0;
    }
    if (plan_.sign && sig_valid_) sig_.add(o.buf + o.pos, got);
    o.pos += got;
    file_done_ += got;
    r.bytes_read += got;
    if (got < want) {
      r.warnings.push_back(name + ": file changed as we read it (shrank by " + std::to_string(file_size_ - file_done_) +
                           " bytes; padded with zeros)");
      file_shrank_ = true;
      sig_valid_ = false;
    }
  }
  if (file_done_ < file_size_) return false;
  if (file_fd_ >= 0) {
    uint8_t probe;
    size_t extra = 0;
    std::string why;
    if (!file_shrank_ && read_some(file_fd_, &probe, 1, &extra, &why) == Status::Ok && extra > 0) {
      r.warnings.push_back(name + ": file changed as we read it (grew; cut to " + std::to_string(file_size_) +
                           " bytes)");
      sig_valid_ = false;
    }
    if (plan_.sign) finish_signature(r);
    close_file();
  }
  const size_t pad = std::min(pad_left_, o.room());
  std::memset(o.buf + o.pos, 0, pad);
  o.pos += pad;
  pad_left_ -= pad;
  if (pad_left_ > 0) return false;
  in_file_ = false;
  ++r.files;
  return true;
}

// Hands on the signature of the file just read, unless the file changed meanwhile: a
// different size or ctime now than when it was opened (a write that kept the size).
void TreeDumper::finish_signature(FillResult& r) {
  struct stat now;
  bool same = sig_valid_ && ::fstat(file_fd_, &now) == 0 && static_cast<uint64_t>(now.st_size) == file_size_ &&
              now.st_ctim.tv_sec == file_ctime_.tv_sec && now.st_ctim.tv_nsec == file_ctime_.tv_nsec;
  if (same) {
    sig_.finish(&r.signature_bytes);
    r.signed_entries.push_back({next_, r.signature_bytes.size()});
  } else {
    r.unsigned_entries.push_back(next_);
  }
  sig_valid_ = false;
}

// A symlink is one header block: its target fits the header's link field, or it is left.
TreeDumper::Took TreeDumper::write_symlink(size_t i, Out& o, FillResult& r) {
  const std::string& name = plan_.entry_name[i];
  int dirfd = dir_fd(plan_.entry_dir[i]);
  if (plan_.follow_symlinks || dirfd < 0 || !plain_name(name)) return Took::Leave;
  struct stat st;
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISLNK(st.st_mode)) return Took::Leave;
  if (plan_.track_hard_links && st.st_nlink > 1) return Took::Leave;
  char target[kNameField + 1];
  ssize_t n = ::readlinkat(dirfd, name.c_str(), target, sizeof target);
  // More than 100 bytes needs a 'K' entry; an empty target is for the general path to report.
  if (n <= 0 || static_cast<size_t>(n) > kNameField) return Took::Leave;
  if (!encode_header(o.buf + o.pos, plan_.prefixes[plan_.entry_dir[i]] + name, st, '2', 0,
                     std::string(target, static_cast<size_t>(n)), *ids_)) {
    return Took::Leave;
  }
  o.pos += kBlock;
  ++r.symlinks;
  return Took::Member;
}

FillResult TreeDumper::fill(uint8_t* out, size_t cap, size_t start) {
  FillResult r;
  Out o{out, start, cap};
  r.end = start;
  r.next = next_;
  if (start > cap) {
    r.stop = FillStop::Full;
    return r;
  }
  for (;;) {
    if (in_file_) {
      if (!continue_file(o, r)) {
        if (r.stop != FillStop::Error) r.stop = FillStop::Full;
        break;
      }
      ++next_;
      continue;
    }
    if (next_ >= entries()) {
      r.stop = FillStop::Done;
      break;
    }
    if (o.room() < kBlock) {
      r.stop = FillStop::Full;
      break;
    }
    const EntryKind kind = plan_.entry_kind[next_];
    Took took = kind == EntryKind::File      ? start_file(next_, o)
                : kind == EntryKind::Symlink ? write_symlink(next_, o, r)
                                             : Took::Leave;
    if (took == Took::Leave) {
      r.stop = FillStop::Entry;
      r.next = next_++;
      r.end = o.pos;
      return r;
    }
    if (kind == EntryKind::Symlink) ++next_;
  }
  r.end = o.pos;
  r.next = next_;
  return r;
}

}  // namespace pf::tar
