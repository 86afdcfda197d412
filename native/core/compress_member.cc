#include "compress_member.h"

namespace pf {
namespace {

// Enough for incompressible input in every format, so one pass usually suffices;
// the loop still grows the buffer if a library needs more.
size_t initial_capacity(size_t in_len) { return in_len + in_len / 64 + 1024; }

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

}  // namespace

Member compress_member(CodecKind kind, int level, const uint8_t* in, size_t in_len) {
  Member m;
  CodecOptions options;
  options.kind = kind;
  options.level = level;
  options.pledged_size = in_len;
  std::unique_ptr<Codec> codec = make_codec(options, &m.status, &m.message);
  if (!codec) return m;

  size_t capacity = initial_capacity(in_len), pos = 0;
  m.data.reset(static_cast<uint8_t*>(std::malloc(capacity)));
  for (;;) {
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
  shrink(&m.data, m.size);
  return m;
}

}  // namespace pf
