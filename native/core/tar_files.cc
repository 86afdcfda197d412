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

// A name longer than its field keeps its first bytes, as tar does.
void put_name(uint8_t* field, size_t len, const std::string& s) {
  std::memcpy(field, s.data(), std::min(len, s.size()));
}

const std::string& name_of(const std::unordered_map<uint32_t, std::string>& table, uint32_t id) {
  static const std::string kNone;
  auto it = table.find(id);
  return it == table.end() ? kNone : it->second;
}

// header.ts encodeHeader() for a '0' member built as dump-context.ts headerFromStat() does.
bool encode_file_header(uint8_t* h, const std::string& name, const struct stat& st, const IdNames& ids) {
  if (name.size() > kNameField) return false;  // needs a GNU 'L' entry first
  std::memset(h, 0, kBlock);
  put_name(h, kNameField, name);
  bool fits = put_octal(h + 100, 8, st.st_mode & 07777) && put_octal(h + 108, 8, st.st_uid) &&
              put_octal(h + 116, 8, st.st_gid) && put_octal(h + 124, 12, static_cast<uint64_t>(st.st_size)) &&
              put_time(h + 136, st.st_mtim) && put_time(h + 345, st.st_atim) && put_time(h + 357, st.st_ctim);
  if (!fits) return false;
  h[156] = '0';
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

size_t padded(uint64_t size) { return static_cast<size_t>((size + kBlock - 1) / kBlock * kBlock); }

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

bool plain_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

// One member at out[pos..cap); returns its length, or 0 when the fast path does not take it.
size_t dump_one(const FileBatch& batch, const std::string& name, int dirfd, const IdNames& ids, uint8_t* out,
                size_t pos, size_t cap, uint64_t* bytes) {
  if (!plain_name(name)) return 0;
  // O_NONBLOCK and O_NOFOLLOW as members.ts: a FIFO swapped in cannot block, a symlink cannot redirect.
  Fd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | (batch.follow_symlinks ? 0 : O_NOFOLLOW)));
  if (fd.get() < 0) return 0;
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  if (batch.track_hard_links && st.st_nlink > 1) return 0;
  const auto size = static_cast<uint64_t>(st.st_size);
  if (cap - pos < kBlock || padded(size) > cap - pos - kBlock) return 0;
  uint8_t* header = out + pos;
  if (!encode_file_header(header, batch.rel_prefix + name, st, ids)) return 0;
  uint8_t* data = header + kBlock;
  const size_t room = cap - pos - kBlock;
  // One byte more than the size, where there is room, reveals a file that grew.
  size_t want = static_cast<size_t>(size) + (room > size ? 1 : 0);
  size_t got = 0;
  std::string why;  // a read error leaves the file to the general path, which reports it
  if (read_some(fd.get(), data, want, &got, &why) != Status::Ok) return 0;
  if (got == size && want == size) {
    uint8_t probe;
    size_t extra = 0;
    if (read_some(fd.get(), &probe, 1, &extra, &why) != Status::Ok) return 0;
    got += extra;
  }
  if (got != size) return 0;  // changed while read: the general path warns and pads or cuts
  std::memset(data + size, 0, padded(size) - static_cast<size_t>(size));
  *bytes += size;
  return kBlock + padded(size);
}

}  // namespace

BatchResult dump_files(const FileBatch& batch, const IdNames& ids, uint8_t* out, size_t cap, size_t start) {
  BatchResult r;
  r.end = start;
  if (start > cap || batch.names.empty()) return r;
  Fd dirfd(::open(batch.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dirfd.get() < 0) return r;
  for (const std::string& name : batch.names) {
    size_t n = dump_one(batch, name, dirfd.get(), ids, out, r.end, cap, &r.bytes_read);
    if (n == 0) break;
    r.end += n;
    ++r.handled;
  }
  return r;
}

}  // namespace pf::tar
