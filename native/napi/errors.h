// JS errors with a stable .code, so the TS layer can map them onto PermafrostError kinds.
#pragma once

#include <napi.h>

#include <cstring>
#include <string>

#include "../core/status.h"

namespace pfn {

inline Napi::Error coded_error(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

inline Napi::Error status_error(Napi::Env env, pf::Status status, const std::string& message) {
  return coded_error(env, pf::status_name(status), message.empty() ? pf::status_name(status) : message);
}

// Like Node's own system errors: "mknod: Operation not permitted", .code ERR_ERRNO, .errno.
inline Napi::Error errno_error(Napi::Env env, const char* call, int err) {
  Napi::Error error = coded_error(env, "ERR_ERRNO", std::string(call) + ": " + std::strerror(err));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, call));
  return error;
}

}  // namespace pfn
