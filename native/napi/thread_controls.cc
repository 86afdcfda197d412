// applyThreadControls() and getThreadControls(): synchronous system calls over every thread
// of the process. Inputs are checked here again (src/cli/thread-controls.ts checks them first).
#include <cstdint>
#include <string>
#include <vector>

#include "../core/thread_controls.h"
#include "args.h"
#include "errors.h"
#include "exports.h"

namespace pfn {
namespace {

bool has(const Napi::Object& o, const char* key) { return !o.Get(key).IsUndefined(); }

int int_field(const Napi::Object& o, const char* key, int lo, int hi) {
  Napi::Value v = o.Get(key);
  std::string name = std::string("controls.") + key;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), name + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi) || static_cast<double>(static_cast<int>(d)) != d) {
    throw Napi::RangeError::New(o.Env(),
                                name + " must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return static_cast<int>(d);
}

std::vector<int> cpu_list(const Napi::Object& o) {
  Napi::Value v = o.Get("cpus");
  if (!v.IsArray()) throw Napi::TypeError::New(o.Env(), "controls.cpus must be an array of CPU numbers");
  Napi::Array a = v.As<Napi::Array>();
  if (a.Length() == 0) throw Napi::RangeError::New(o.Env(), "controls.cpus must name at least one CPU");
  int max = pf::configured_cpus() - 1;
  std::vector<int> cpus;
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value c = a.Get(i);
    double d = c.IsNumber() ? c.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0 && d <= max) || static_cast<double>(static_cast<int>(d)) != d) {
      throw Napi::RangeError::New(
          o.Env(), "controls.cpus[" + std::to_string(i) + "] must be a CPU of this system, 0.." + std::to_string(max));
    }
    cpus.push_back(static_cast<int>(d));
  }
  return cpus;
}

pf::ThreadControls controls_arg(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(info.Env(), "controls must be an object");
  Napi::Object o = info[0].As<Napi::Object>();
  pf::ThreadControls c;
  if (has(o, "nice")) {
    c.set_nice = true;
    c.nice = int_field(o, "nice", -20, 19);
  }
  if (has(o, "ioClass")) {
    c.set_io = true;
    c.io_class = int_field(o, "ioClass", 1, 3);
    c.io_level = int_field(o, "ioLevel", 0, 7);
  } else if (has(o, "ioLevel")) {
    throw Napi::TypeError::New(info.Env(), "controls.ioLevel needs controls.ioClass");
  }
  if (has(o, "cpus")) c.cpus = cpu_list(o);
  return c;
}

void set_failure(Napi::Object& out, const char* key, pf::SysError e) {
  if (e.err != 0) out.Set(key, errno_error(out.Env(), e.call, e.err).Value());
}

}  // namespace

Napi::Value ApplyThreadControls(const Napi::CallbackInfo& info) {
  pf::ThreadControlFailures f = pf::apply_thread_controls(controls_arg(info));
  Napi::Object out = Napi::Object::New(info.Env());
  set_failure(out, "nice", f.nice);
  set_failure(out, "io", f.io);
  set_failure(out, "cpus", f.cpus);
  return out;
}

Napi::Value GetThreadControls(const Napi::CallbackInfo& info) {
  auto tid = static_cast<int>(int_arg(info, 0, "tid", 0, INT32_MAX));
  pf::ThreadState s;
  pf::SysError e = pf::read_thread_controls(tid, &s);
  if (e.err != 0) throw errno_error(info.Env(), e.call, e.err);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("nice", s.nice);
  out.Set("ioClass", s.io_class);
  out.Set("ioLevel", s.io_level);
  Napi::Array cpus = Napi::Array::New(info.Env(), s.cpus.size());
  for (uint32_t i = 0; i < s.cpus.size(); i++) cpus.Set(i, s.cpus[i]);
  out.Set("cpus", cpus);
  return out;
}

}  // namespace pfn
