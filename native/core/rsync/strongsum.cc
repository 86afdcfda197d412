#include "strongsum.h"

namespace pf::rsync {

void StrongSum::begin(StrongKind kind) {
  kind_ = kind;
  if (kind == StrongKind::Md4) {
    md4_.init();
  } else {
    blake2_.init(kBlake2bRsyncDigestBytes);
  }
}

void StrongSum::update(const uint8_t* p, size_t n) {
  if (kind_ == StrongKind::Md4) {
    md4_.update(p, n);
  } else {
    blake2_.update(p, n);
  }
}

void StrongSum::final(uint8_t out[kMaxStrongBytes]) {
  if (kind_ == StrongKind::Md4) {
    md4_.final(out);
  } else {
    blake2_.final(out);
  }
}

void strong_sum(StrongKind kind, const uint8_t* p, size_t n, uint8_t out[kMaxStrongBytes]) {
  if (kind == StrongKind::Md4) {
    md4(p, n, out);
  } else {
    blake2b(p, n, out, kBlake2bRsyncDigestBytes);
  }
}

}  // namespace pf::rsync
