// libFuzzer: parse arbitrary bytes as a DM_TABLE_STATUS answer (struct dm_ioctl and its
// targets). The parser must refuse what is malformed without reading past the buffer, and what
// it accepts must hold within it.
#include <cstdlib>

#include "dm_ioctl.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pf::DmDevice device;
  if (!pf::dm_parse_status(data, size, &device)) return 0;
  if (device.name.size() >= pf::kDmNameLen + 1 || device.uuid.size() > pf::kDmUuidLen) abort();
  size_t text = 0;
  for (const pf::DmTarget& t : device.targets) {
    if (t.type.size() > 16) abort();
    text += t.status.size();
  }
  if (text > size) abort();
  return 0;
}
