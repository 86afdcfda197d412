// _selftest(): known-answer tests of MD4, BLAKE2b and both rolling sums (test-only export).
#include "../core/rsync/selftest.h"
#include "errors.h"
#include "exports.h"

namespace pfn {

Napi::Value RsyncSelftest(const Napi::CallbackInfo& info) {
  std::string failure;
  pf::Status s = pf::rsync::selftest(&failure);
  if (s != pf::Status::Ok) throw coded_error(info.Env(), "ERR_INTERNAL", "rsync selftest failed: " + failure);
  return Napi::Boolean::New(info.Env(), true);
}

}  // namespace pfn
