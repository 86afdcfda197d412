#include "compress_member.h"

namespace pf {

// Enough for incompressible input in every format, so one pass usually suffices;
// compress_member still grows its buffer if a library needs more.
size_t member_capacity(size_t in_len) { return in_len + in_len / 64 + 1024; }

namespace {

bool grow(MallocBuffer* buf, size_t* capacity) {
  size_t next = *capacity * 2;
  void* p = std::realloc(buf->get(), next);
  if (!p) return false;
  buf->release();
  buf->reset(static_cast<uint8_t*>(p));
  *capacity = next;
  return true;
}

// Gives back the slack of the worst-case allocation; JS may hold the member for a while.
void shrink(MallocBuffer* buf, size_t size) {
  void* p = std::realloc(buf->get(), size ? size : 1);
  if (!p) return;  // keeping the larger block is harmless
  buf->release();
  buf->reset(static_cast<uint8_t*>(p));
}

// Each pool thread keeps its last encoder: members come in long runs of one kind and level.
struct CachedEncoder {
  CodecKind kind;
  int level;
  std::unique_ptr<StreamEncoder> encoder;
};
thread_local CachedEncoder t_cached;

// Libraries that cannot restart (bzip2, xz) get a fresh encoder in `*fresh`, freed after the
// member, so an idle pool thread holds no large encoder state.
StreamEncoder* encoder_for(CodecKind kind, int level, size_t in_len, std::unique_ptr<StreamEncoder>* fresh, Member* m) {
  if (t_cached.encoder && t_cached.kind == kind && t_cached.level == level && t_cached.encoder->restart(in_len)) {
    return t_cached.encoder.get();
  }
  t_cached.encoder.reset();
  CodecOptions options;
  options.kind = kind;
  options.level = level;
  options.pledged_size = in_len;
  *fresh = make_encoder(options, &m->status, &m->message);
  if (!*fresh || !(*fresh)->restartable()) return fresh->get();
  t_cached = CachedEncoder{kind, level, std::move(*fresh)};
  return t_cached.encoder.get();
}

}  // namespace

BlockPool& member_output_pool() {
  // A few members wait in the read-ahead and storage queues at any time; 8 spare blocks cover them.
  static BlockPool pool(member_capacity(kPooledMemberInput), 16);
  return pool;
}

Member compress_member(CodecKind kind, int level, const uint8_t* in, size_t in_len) {
  Member m;
  std::unique_ptr<StreamEncoder> fresh;
  StreamEncoder* codec = encoder_for(kind, level, in_len, &fresh, &m);
  if (!codec) return m;

  size_t capacity = member_capacity(in_len), pos = 0;
  m.pooled = in_len == kPooledMemberInput;
  m.data.reset(m.pooled ? member_output_pool().take() : static_cast<uint8_t*>(std::malloc(capacity)));
  for (;;) {
    if (m.data && m.size == capacity) m.pooled = false;  // grown by realloc: no longer a pool block
    if (!m.data || (m.size == capacity && !grow(&m.data, &capacity))) {
      m = Member{Status::NoMemory, "out of memory for the compressed member", nullptr, 0};
      return m;
    }
    CodecResult r = codec->process(in + pos, in_len - pos, m.data.get() + m.size, capacity - m.size, true);
    if (r.status != Status::Ok) return Member{r.status, r.message, nullptr, 0};
    pos += r.consumed;
    m.size += r.produced;
    if (r.ended) break;
  }
  if (!m.pooled) shrink(&m.data, m.size);
  return m;
}

Status compress_member_into(CodecKind kind, int level, const uint8_t* in, size_t in_len, uint8_t* out, size_t out_cap,
                            size_t* size, bool* fits, std::string* message) {
  *size = 0;
  *fits = true;
  Member m;
  std::unique_ptr<StreamEncoder> fresh;
  StreamEncoder* codec = encoder_for(kind, level, in_len, &fresh, &m);
  if (!codec) {
    *message = m.message;
    return m.status;
  }
  size_t pos = 0;
  for (;;) {
    CodecResult r = codec->process(in + pos, in_len - pos, out + *size, out_cap - *size, true);
    if (r.status != Status::Ok) {
      *message = r.message;
      return r.status;
    }
    pos += r.consumed;
    *size += r.produced;
    if (r.ended) return Status::Ok;
    if (r.consumed == 0 && r.produced == 0 && *size < out_cap) {
      *message = "compressor made no progress";
      return Status::Internal;
    }
    // A cached encoder left mid-member is restarted by its next use.
    if (*size == out_cap) {
      *fits = false;
      return Status::Ok;
    }
  }
}

}  // namespace pf
