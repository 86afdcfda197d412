// listDirectories(paths, statAll, followSymlinks): core/dir_list.h for a batch of directories
// on the libuv pool, flattened into one set of arrays:
//   { errors: Int32Array (per dir), counts: Uint32Array (per dir), names: string (every name
//     followed by a NUL, directory after directory), kinds: Uint8Array, statErrors: Int32Array,
//     statAt: Int32Array (per entry; -1 = not stat'ed), stats: BigInt64Array (13 per stat) }
#include <cstring>
#include <string>
#include <vector>

#include "../core/dir_list.h"
#include "args.h"
#include "exports.h"
#include "worker.h"

namespace pfn {
namespace {

constexpr uint32_t kMaxBatch = 4096;

class ListWorker final : public PromiseWorker {
 public:
  ListWorker(Napi::Env env, std::vector<std::string> paths, std::vector<uint8_t> stat_all, bool follow)
      : PromiseWorker(env, "permafrost:listDirectories"),
        paths_(std::move(paths)),
        stat_all_(std::move(stat_all)),
        follow_(follow) {}

 private:
  void Run() override {
    listed_.reserve(paths_.size());
    for (size_t i = 0; i < paths_.size(); ++i)
      listed_.push_back(pf::tar::list_directory(paths_[i], stat_all_[i] != 0, follow_));
  }

  Napi::Value Result(Napi::Env env) override {
    size_t entries = 0, stats = 0, name_bytes = 0;
    for (const auto& d : listed_) {
      entries += d.names.size();
      stats += d.stats.size();
      for (const auto& n : d.names) name_bytes += n.size() + 1;
    }
    auto errors = Napi::Int32Array::New(env, listed_.size());
    auto counts = Napi::Uint32Array::New(env, listed_.size());
    auto kinds = Napi::Uint8Array::New(env, entries);
    auto stat_errors = Napi::Int32Array::New(env, entries);
    auto stat_at = Napi::Int32Array::New(env, entries);
    auto stat_values = Napi::TypedArrayOf<int64_t>::New(env, stats, napi_bigint64_array);
    std::string names;
    names.reserve(name_bytes);
    size_t e = 0, s = 0;
    for (size_t i = 0; i < listed_.size(); ++i) {
      const auto& d = listed_[i];
      errors[i] = d.error;
      counts[i] = static_cast<uint32_t>(d.names.size());
      for (size_t j = 0; j < d.names.size(); ++j, ++e) {
        names += d.names[j];
        names += '\0';
        kinds[e] = static_cast<uint8_t>(d.kinds[j]);
        stat_errors[e] = d.stat_error[j];
        stat_at[e] = d.stat_at[j] < 0 ? -1 : static_cast<int32_t>(s / pf::tar::kStatFields) + d.stat_at[j];
      }
      if (!d.stats.empty()) std::memcpy(stat_values.Data() + s, d.stats.data(), d.stats.size() * sizeof(int64_t));
      s += d.stats.size();
    }
    Napi::Object r = Napi::Object::New(env);
    r.Set("errors", errors);
    r.Set("counts", counts);
    r.Set("names", Napi::String::New(env, names));
    r.Set("kinds", kinds);
    r.Set("statErrors", stat_errors);
    r.Set("statAt", stat_at);
    r.Set("stats", stat_values);
    return r;
  }

  std::vector<std::string> paths_;
  std::vector<uint8_t> stat_all_;
  bool follow_;
  std::vector<pf::tar::ListedDir> listed_;
};

}  // namespace

Napi::Value ListDirectories(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "paths must be an array of strings");
  auto paths_v = info[0].As<Napi::Array>();
  if (paths_v.Length() > kMaxBatch)
    throw Napi::RangeError::New(env, "paths: at most " + std::to_string(kMaxBatch) + " per call");
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "statAll must be a Uint8Array");
  }
  auto stat_all_v = info[1].As<Napi::Uint8Array>();
  if (stat_all_v.ElementLength() != paths_v.Length())
    throw Napi::RangeError::New(env, "statAll and paths differ in length");
  std::vector<std::string> paths;
  paths.reserve(paths_v.Length());
  for (uint32_t i = 0; i < paths_v.Length(); ++i) {
    std::string s = string_value(env, paths_v.Get(i), "paths[]");
    if (s.empty()) throw Napi::TypeError::New(env, "paths[] must not be empty");
    paths.push_back(std::move(s));
  }
  std::vector<uint8_t> stat_all(stat_all_v.Data(), stat_all_v.Data() + stat_all_v.ElementLength());
  bool follow = bool_arg(info, 2, "followSymlinks");
  return (new ListWorker(env, std::move(paths), std::move(stat_all), follow))->Start();
}

}  // namespace pfn
