// sendUnixDatagram(path, data): synchronous (a non-blocking sendto of one small datagram costs
// less than a trip to the pool), failures carry errno.
#include <cstdint>
#include <string>

#include "../core/unix_dgram.h"
#include "args.h"
#include "errors.h"
#include "exports.h"

namespace pfn {

Napi::Value SendUnixDatagram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = string_arg(info, 0, "path");
  if (path.empty() || path.size() > pf::kUnixPathMax) {
    throw Napi::RangeError::New(env, "path must be 1.." + std::to_string(pf::kUnixPathMax) + " bytes");
  }
  Napi::Buffer<uint8_t> data = buffer_arg(info, 1, "data");
  if (data.Length() > pf::kUnixDatagramMax) {
    throw Napi::RangeError::New(env, "data must be at most " + std::to_string(pf::kUnixDatagramMax) + " bytes");
  }
  pf::SysError e = pf::send_unix_datagram(path.data(), path.size(), data.Data(), data.Length());
  if (e.err != 0) throw errno_error(env, e.call, e.err);
  return env.Undefined();
}

}  // namespace pfn
