// Device-mapper questions for the LVM snapshot provider (src/snapshot/lvm-dm.ts): synchronous,
// since each is one ioctl the kernel answers from memory. Failures carry errno (ENOENT: this
// kernel has no device-mapper, or /dev/mapper/control is missing).
#include <cstdint>
#include <string>

#include "../core/dm_ioctl.h"
#include "args.h"
#include "errors.h"
#include "exports.h"

namespace pfn {
namespace {

constexpr int64_t kMaxMajor = (1 << 12) - 1;  // Linux dev_t: 12-bit major, 20-bit minor
constexpr int64_t kMaxMinor = (1 << 20) - 1;

Napi::Object device_object(Napi::Env env, const pf::DmDevice& d) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", d.name);
  o.Set("uuid", d.uuid);
  o.Set("major", d.major);
  o.Set("minor", d.minor);
  o.Set("openCount", d.open_count);
  o.Set("flags", d.flags);
  Napi::Array targets = Napi::Array::New(env, d.targets.size());
  for (size_t i = 0; i < d.targets.size(); i++) {
    const pf::DmTarget& t = d.targets[i];
    Napi::Object to = Napi::Object::New(env);
    to.Set("start", static_cast<double>(t.start));
    to.Set("length", static_cast<double>(t.length));
    to.Set("type", t.type);
    to.Set("status", t.status);
    targets.Set(static_cast<uint32_t>(i), to);
  }
  o.Set("targets", targets);
  return o;
}

}  // namespace

Napi::Value DmVersion(const Napi::CallbackInfo& info) {
  uint32_t version[3] = {0, 0, 0};
  pf::DmResult r = pf::dm_version(version);
  if (r.err != 0) throw errno_error(info.Env(), r.call, r.err);
  Napi::Array out = Napi::Array::New(info.Env(), 3);
  for (uint32_t i = 0; i < 3; i++) out.Set(i, version[i]);
  return out;
}

// (name, major, minor): by name when it is not empty, else by major:minor. null: no device.
Napi::Value DmStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = string_arg(info, 0, "name");
  if (name.size() >= pf::kDmNameLen) {
    throw Napi::RangeError::New(env, "name must be shorter than " + std::to_string(pf::kDmNameLen) + " bytes");
  }
  auto major = static_cast<uint32_t>(int_arg(info, 1, "major", 0, kMaxMajor));
  auto minor = static_cast<uint32_t>(int_arg(info, 2, "minor", 0, kMaxMinor));
  if (name.empty() && major == 0 && minor == 0) throw Napi::TypeError::New(env, "a name or a device number is needed");
  if (!name.empty() && (major != 0 || minor != 0)) {
    throw Napi::TypeError::New(env, "give a name or a device number, not both");
  }
  pf::DmDevice device;
  bool found = false;
  pf::DmResult r = pf::dm_status(name, major, minor, &device, &found);
  if (r.err != 0) throw errno_error(env, r.call, r.err);
  if (!found) return env.Null();
  return device_object(env, device);
}

// Test only: the parser of DM_TABLE_STATUS answers over a crafted buffer; null if malformed.
Napi::Value DmParseStatus(const Napi::CallbackInfo& info) {
  Napi::Buffer<uint8_t> buf = buffer_arg(info, 0, "answer");
  pf::DmDevice device;
  if (!pf::dm_parse_status(buf.Data(), buf.Length(), &device)) return info.Env().Null();
  return device_object(info.Env(), device);
}

}  // namespace pfn
