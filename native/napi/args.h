// Argument conversion at the door: every JS value is checked and turned into plain C++
// before any work starts. Throws TypeError/RangeError naming the argument.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace pfn {

inline Napi::Buffer<uint8_t> buffer_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsBuffer()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Buffer");
  return info[i].As<Napi::Buffer<uint8_t>>();
}

inline Napi::Buffer<uint8_t> buffer_arg(const Napi::CallbackInfo& info, size_t i, const char* name, size_t exact) {
  Napi::Buffer<uint8_t> buf = buffer_arg(info, i, name);
  if (buf.Length() != exact) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be exactly " + std::to_string(exact) +
                                                " bytes (got " + std::to_string(buf.Length()) + ")");
  }
  return buf;
}

inline int64_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t lo, int64_t hi,
                       const std::string& context = "") {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::trunc(d) != d || d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be an integer in " + std::to_string(lo) + ".." +
                                                std::to_string(hi) + context);
  }
  return static_cast<int64_t>(d);
}

inline bool bool_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsBoolean()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

// Rejects embedded NULs, which would silently shorten a path passed to C.
inline std::string string_value(Napi::Env env, const Napi::Value& v, const std::string& name) {
  if (!v.IsString()) throw Napi::TypeError::New(env, name + " must be a string");
  std::string s = v.As<Napi::String>().Utf8Value();
  if (s.find('\0') != std::string::npos) throw Napi::TypeError::New(env, name + " must not contain NUL characters");
  return s;
}

inline std::string string_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return string_value(info.Env(), info[i], name);
}

}  // namespace pfn
