// Device-mapper facts through the kernel's own interface: DM ioctls on /dev/mapper/control
// (linux/dm-ioctl.h), as libdevmapper makes them, without linking it. The LVM snapshot
// provider asks which device is a logical volume (its UUID starts with "LVM-"), its name
// (VG and LV, '-' escaped as "--") and a snapshot's fill level (its status line).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pf {

// DM_NAME_LEN and DM_UUID_LEN of linux/dm-ioctl.h, NUL included.
constexpr size_t kDmNameLen = 128;
constexpr size_t kDmUuidLen = 129;

struct DmTarget {
  uint64_t start = 0;   // in 512-byte sectors
  uint64_t length = 0;  // in 512-byte sectors
  std::string type;     // "linear", "snapshot", "snapshot-origin", ...
  std::string status;   // the target's status line ("<used>/<total> <metadata>" or "Invalid")
};

struct DmDevice {
  std::string name;
  std::string uuid;
  uint32_t major = 0;
  uint32_t minor = 0;
  int32_t open_count = 0;
  uint32_t flags = 0;  // DM_*_FLAG bits (DM_SUSPEND_FLAG 2, DM_ACTIVE_PRESENT_FLAG 32, ...)
  std::vector<DmTarget> targets;
};

struct DmResult {
  int err = 0;            // errno of the failing call (ENOENT: no /dev/mapper/control)
  const char* call = "";  // "open" or "ioctl"
};

// The driver's interface version (DM_VERSION).
DmResult dm_version(uint32_t version[3]);

// DM_TABLE_STATUS of one device, by name (non-empty, shorter than kDmNameLen) or else by
// major:minor. `found` is false when no such device exists (ENXIO); other failures are errors.
DmResult dm_status(const std::string& name, uint32_t major, uint32_t minor, DmDevice* out, bool* found);

// Parses a DM_TABLE_STATUS answer (a struct dm_ioctl and its data) of `size` bytes, as the
// kernel wrote it; every offset is checked against `size`. False when it is malformed.
bool dm_parse_status(const uint8_t* buf, size_t size, DmDevice* out);

}  // namespace pf
