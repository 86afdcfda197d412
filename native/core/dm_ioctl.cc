// Every offset and length in the kernel's answer is checked before it is read: the parser is
// also run on crafted buffers by the tests (native.test.ts has none, lvm-dm-native.test.ts).
#include "dm_ioctl.h"

#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pf {
namespace {

static_assert(DM_NAME_LEN == kDmNameLen, "linux/dm-ioctl.h DM_NAME_LEN");
static_assert(DM_UUID_LEN == kDmUuidLen, "linux/dm-ioctl.h DM_UUID_LEN");

constexpr size_t kFirstBuffer = 16 * 1024;
constexpr size_t kMaxBuffer = 4 * 1024 * 1024;

// A fixed-size field the kernel NUL-terminates; read only up to its end either way.
std::string bounded(const char* field, size_t size) { return std::string(field, strnlen(field, size)); }

class Control {
 public:
  Control() : fd_(open("/dev/mapper/control", O_RDWR | O_CLOEXEC)) {}
  ~Control() {
    if (fd_ >= 0) close(fd_);
  }
  Control(const Control&) = delete;
  Control& operator=(const Control&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

void init_header(dm_ioctl* io, size_t size) {
  std::memset(io, 0, sizeof(*io));
  // The interface major must match the kernel's; minor 0 asks for nothing newer.
  io->version[0] = DM_VERSION_MAJOR;
  io->data_size = static_cast<uint32_t>(size);
  io->data_start = sizeof(dm_ioctl);
}

}  // namespace

DmResult dm_version(uint32_t version[3]) {
  Control control;
  if (control.fd() < 0) return {errno, "open"};
  dm_ioctl io;
  init_header(&io, sizeof(io));
  if (ioctl(control.fd(), DM_VERSION, &io) != 0) return {errno, "ioctl"};
  for (int i = 0; i < 3; i++) version[i] = io.version[i];
  return {};
}

DmResult dm_status(const std::string& name, uint32_t major, uint32_t minor, DmDevice* out, bool* found) {
  *found = false;
  // Re-checked here although the N-API layer checks them: a name that fills the field would
  // not be NUL-terminated, and one with a NUL would name another device.
  if (name.size() >= kDmNameLen || name.find('\0') != std::string::npos) return {EINVAL, "dm_status"};
  if (name.empty() && major == 0 && minor == 0) return {EINVAL, "dm_status"};
  Control control;
  if (control.fd() < 0) return {errno, "open"};
  for (size_t size = kFirstBuffer; size <= kMaxBuffer; size *= 2) {
    std::vector<uint8_t> buf(size);
    auto* io = reinterpret_cast<dm_ioctl*>(buf.data());
    init_header(io, size);
    if (!name.empty()) {
      std::memcpy(io->name, name.data(), name.size());
    } else {
      io->dev = makedev(major, minor);
    }
    if (ioctl(control.fd(), DM_TABLE_STATUS, io) != 0) {
      if (errno == ENXIO) return {};
      return {errno, "ioctl"};
    }
    if (io->flags & DM_BUFFER_FULL_FLAG) continue;
    if (!dm_parse_status(buf.data(), size, out)) return {EPROTO, "dm_status"};
    *found = true;
    return {};
  }
  return {ENOBUFS, "dm_status"};
}

bool dm_parse_status(const uint8_t* buf, size_t size, DmDevice* out) {
  if (size < sizeof(dm_ioctl)) return false;
  dm_ioctl io;
  std::memcpy(&io, buf, sizeof(io));
  // data_size counts from the start of the struct; the targets lie in [data_start, used).
  size_t used = io.data_size;
  if (used > size || io.data_start < sizeof(dm_ioctl) || io.data_start > used) return false;
  *out = DmDevice{};
  out->name = bounded(io.name, sizeof(io.name));
  out->uuid = bounded(io.uuid, sizeof(io.uuid));
  out->major = major(io.dev);
  out->minor = minor(io.dev);
  out->open_count = io.open_count;
  out->flags = io.flags;
  const uint8_t* data = buf + io.data_start;
  size_t data_len = used - io.data_start;
  size_t at = 0;
  for (uint32_t i = 0; i < io.target_count; i++) {
    if (data_len < sizeof(dm_target_spec) || at > data_len - sizeof(dm_target_spec)) return false;
    dm_target_spec spec;
    std::memcpy(&spec, data + at, sizeof(spec));
    const char* params = reinterpret_cast<const char*>(data + at + sizeof(spec));
    size_t room = data_len - at - sizeof(spec);
    size_t len = strnlen(params, room);
    if (len == room) return false;  // no NUL before the end of the answer
    DmTarget target;
    target.start = spec.sector_start;
    target.length = spec.length;
    target.type = bounded(spec.target_type, sizeof(spec.target_type));
    target.status.assign(params, len);
    out->targets.push_back(std::move(target));
    if (i + 1 == io.target_count) break;
    // `next` is the next spec's offset from the start of the data, always forward.
    if (spec.next <= at || spec.next > data_len) return false;
    at = spec.next;
  }
  return true;
}

}  // namespace pf
