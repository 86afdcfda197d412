// Promise-returning AsyncWorker base. Execute() runs on the libuv pool and must only touch
// plain C++ members; everything JS-side (the Buffers being read or written, the owning
// object) is pinned by references until the worker settles on the main thread.
#pragma once

#include <napi.h>

#include <new>
#include <string>
#include <vector>

#include "../core/status.h"
#include "errors.h"

namespace pfn {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  // Queues the worker; the returned Promise settles with Result() or a coded error.
  Napi::Promise Start() {
    Napi::Promise promise = deferred_.Promise();
    Queue();
    return promise;
  }

 protected:
  PromiseWorker(Napi::Env env, const char* name)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)) {}

  // Pins `object` until the worker is destroyed (on the main thread); returns its slot.
  size_t Keep(const Napi::Object& object) {
    kept_.push_back(Napi::Persistent(object));
    return kept_.size() - 1;
  }
  Napi::Object Kept(size_t slot) { return kept_[slot].Value(); }
  void Fail(pf::Status status, std::string message = "") {
    status_ = status;
    message_ = std::move(message);
  }

  virtual void Run() = 0;                         // libuv pool thread
  virtual Napi::Value Result(Napi::Env env) = 0;  // main thread, only after success
  virtual void Settled() {}                       // main thread, always: release the owner

 private:
  void Execute() final {
    try {
      Run();
    } catch (const std::bad_alloc&) {
      Fail(pf::Status::NoMemory, "out of memory");
    }
  }

  void OnOK() final {
    Napi::Env env = Env();
    Settled();
    if (status_ != pf::Status::Ok) {
      deferred_.Reject(status_error(env, status_, message_).Value());
      return;
    }
    try {
      deferred_.Resolve(Result(env));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

  void OnError(const Napi::Error& e) final {
    Settled();
    deferred_.Reject(coded_error(Env(), "ERR_INTERNAL", e.Message()).Value());
  }

  Napi::Promise::Deferred deferred_;
  std::vector<Napi::ObjectReference> kept_;
  pf::Status status_ = pf::Status::Ok;
  std::string message_;
};

}  // namespace pfn
