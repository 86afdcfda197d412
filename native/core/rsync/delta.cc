#include "delta.h"

#include <algorithm>
#include <cstring>

#include "blake2b_x4.h"
#include "command.h"

namespace pf::rsync {
namespace {

constexpr size_t kChunk = size_t{1} << 20;       // input accepted per compaction round
constexpr size_t kStageHigh = size_t{64} << 10;  // stop scanning while this much is staged

}  // namespace

Status DeltaJob::begin(std::shared_ptr<const SignatureSet> sig, size_t literal_cap) {
  if (!sig || literal_cap < 1 || literal_cap > 0xffffffffu) return Status::Param;
  sig_ = std::move(sig);
  block_len_ = sig_->params().block_len;
  cap_ = literal_cap;
  target_ = block_len_ + cap_ + kChunk;
  uint8_t magic[4];
  store_be32(magic, kDeltaMagic);
  staging_.push(magic, sizeof magic);
  return Status::Ok;
}

Status DeltaJob::begin_scan(std::shared_ptr<const SignatureSet> sig, ScanPlan plan) {
  if (!sig || sig->block_count() == 0 || !plan.matches) return Status::Param;
  sig_ = std::move(sig);
  block_len_ = sig_->params().block_len;
  target_ = block_len_ + cap_ + kChunk;
  scan_only_ = true;
  plan_ = std::move(plan);
  base_ = plan_.origin;
  return Status::Ok;
}

JobResult DeltaJob::iterate(const uint8_t* in, size_t in_len, bool eof, uint8_t* out, size_t out_len) {
  JobResult r;
  if (!sig_) {
    r.status = Status::State;
    r.message = "delta job was not begun";
    return r;
  }
  Sink sink{out, out_len};
  for (;;) {
    if (!drain(&sink)) break;
    if (ended_) {
      done_ = r.done = true;
      break;
    }
    scan_any();
    if (joined_) {
      done_ = r.done = true;
      break;
    }
    if (output_pending()) continue;
    if (r.consumed < in_len) {
      size_t n = feed(in + r.consumed, in_len - r.consumed);
      if (n == 0) {
        r.status = Status::Internal;
        r.message = "delta buffer made no progress";
        break;
      }
      r.consumed += n;
      continue;
    }
    if (eof && !eof_) {
      eof_ = true;
      continue;
    }
    if (!eof_ || pos_ < end_) break;
    // Everything scanned: flush (its literal data drains first), then END.
    flush();
    if (output_pending()) continue;
    uint8_t end_cmd[1];
    if (!scan_only_) staging_.push(end_cmd, encode_end(end_cmd));
    ended_ = true;
  }
  r.produced = sink.produced;
  return r;
}

bool DeltaJob::drain(Sink* sink) {
  if (!staging_.drain(sink)) return false;
  if (body_left_) {
    size_t k = sink->put(buf_.data() + body_pos_, body_left_);
    body_pos_ += k;
    body_left_ -= k;
  }
  return body_left_ == 0;
}

void DeltaJob::scan_any() {
  if (sig_->block_count() == 0) {
    scan_slack();
  } else if (sig_->weak_kind() == WeakKind::Rollsum) {
    scan(rollsum_);
  } else {
    scan(rabinkarp_);
  }
}

// No blocks to match: rdiff emits one literal per block_len bytes of input.
void DeltaJob::scan_slack() {
  if (body_left_ || pos_ >= end_ || (!eof_ && end_ - pos_ < block_len_)) return;
  size_t n = std::min(block_len_, end_ - pos_);
  emit_literal(pos_, n);
  pos_ += n;
  lit_ = pos_;
}

// A step at pos_ needs to know whether new[pos_ + B] exists: more than B bytes held, or
// the end of input.
template <class W>
void DeltaJob::scan(W& w) {
  const size_t b = block_len_;
  while (body_left_ == 0 && staging_.size() < kStageHigh && pos_ < end_ && (eof_ || end_ - pos_ > b)) {
    if (scan_only_ && base_ + pos_ >= plan_.limit) {
      if (plan_.joins && plan_.joins(base_ + pos_)) {
        joined_ = true;
        return;
      }
    }
    if (!have_win_) {
      w.reset();
      w.update(buf_.data() + pos_, std::min(b, end_ - pos_));
      have_win_ = true;
    }
    if (try_match(w)) continue;
    miss(w);
    roll_misses(w);
  }
}

template <class W>
bool DeltaJob::try_match(W& w) {
  uint32_t weak = w.digest();
  if (!sig_->maybe(weak)) return false;
  size_t len = w.count();
  int64_t block = sig_->find(weak, [&](uint8_t* sum) { window_strong(pos_, len, sum); });
  streak_ = block >= 0;
  if (block < 0) return false;
  uint64_t at = static_cast<uint64_t>(block) * block_len_;
  if (scan_only_) plan_.matches->push_back(Match{base_ + pos_, at, len});
  if (clen_ && cpos_ + clen_ == at) {
    clen_ += len;
  } else {
    flush();
    cpos_ = at;
    clen_ = len;
  }
  pos_ += len;
  lit_ = pos_;
  have_win_ = false;
  return true;
}

// Strong sum of buf_[pos, pos + len). Right after a match, a full window is hashed with
// the three that follow it, so a run of matching blocks costs a quarter of the calls.
void DeltaJob::window_strong(size_t pos, size_t len, uint8_t* sum) {
  StrongKind kind = sig_->strong_kind();
  const size_t b = block_len_;
  if (len == b && kind == StrongKind::Blake2 && blake2b_x4_vectorized()) {
    uint64_t at = base_ + pos;
    for (int i = 0; i < spec_count_; ++i) {
      if (spec_[i].at == at) {
        std::memcpy(sum, spec_[i].sum, kBlake2bRsyncDigestBytes);
        return;
      }
    }
    if (streak_ && end_ - pos >= 4 * b) {
      const uint8_t* msg[4];
      uint8_t* out[4];
      for (int i = 0; i < 4; ++i) {
        msg[i] = buf_.data() + pos + i * b;
        out[i] = spec_[i].sum;
        spec_[i].at = at + i * b;
      }
      blake2b_x4(msg, b, out, kBlake2bRsyncDigestBytes);
      spec_count_ = 4;
      std::memcpy(sum, spec_[0].sum, kBlake2bRsyncDigestBytes);
      return;
    }
  }
  strong_sum(kind, buf_.data() + pos, len, sum);
}

// The byte at pos_ becomes literal: slide (or, in the tail, shrink) the window.
template <class W>
void DeltaJob::miss(W& w) {
  if (pos_ + block_len_ < end_) {
    w.rotate(buf_[pos_], buf_[pos_ + block_len_]);
  } else {
    w.rollout(buf_[pos_]);
  }
  streak_ = false;
  if (clen_ || pos_ - lit_ >= cap_) flush();
  ++pos_;
}

// Hot loop: full-window misses while the filter rules every position out.
template <class W>
void DeltaJob::roll_misses(W& w) {
  if (body_left_ || clen_) return;
  const size_t b = block_len_;
  const uint8_t* data = buf_.data();
  size_t stop = end_ > b ? end_ - b : 0;
  // A scan checks every position from its limit on, so the fast loop ends there.
  if (scan_only_ && plan_.limit != UINT64_MAX)
    stop = std::min<uint64_t>(stop, plan_.limit > base_ ? plan_.limit - base_ : 0);
  size_t p = pos_;
  W local = w;
  while (p < stop && !sig_->maybe(local.digest())) {
    local.rotate(data[p], data[p + b]);
    if (p - lit_ >= cap_) {
      pos_ = p;
      flush();
      p = pos_ + 1;
      break;
    }
    ++p;
  }
  pos_ = p;
  w = local;
}

void DeltaJob::flush() {
  if (clen_) {
    emit_copy(cpos_, clen_);
    clen_ = 0;
  } else if (pos_ > lit_) {
    emit_literal(lit_, pos_ - lit_);
  }
  lit_ = pos_;
}

void DeltaJob::emit_literal(size_t from, size_t n) {
  if (scan_only_) return;
  uint8_t header[kMaxCommandHeader];
  staging_.push(header, encode_literal_header(n, header));
  body_pos_ = from;
  body_left_ = n;
}

void DeltaJob::emit_copy(uint64_t offset, uint64_t length) {
  if (scan_only_) return;
  uint8_t cmd[kMaxCommandHeader];
  staging_.push(cmd, encode_copy(offset, length, cmd));
}

// Drops bytes nobody needs any more from the front of buf_.
void DeltaJob::compact() {
  size_t keep = body_left_ ? body_pos_ : lit_;
  if (keep == 0) return;
  std::memmove(buf_.data(), buf_.data() + keep, end_ - keep);
  base_ += keep;
  end_ -= keep;
  pos_ -= keep;
  lit_ -= keep;
  if (body_left_) body_pos_ -= keep;
}

// Bytes held never exceed literal cap + block + kChunk: the scan only waits for input
// with at most a literal run plus one window pending.
size_t DeltaJob::feed(const uint8_t* in, size_t n) {
  if (end_ + std::min(n, kChunk) > buf_.size()) compact();
  size_t want = std::min(n, target_ - end_);
  if (end_ + want > buf_.size()) buf_.resize(std::min(target_, std::max(end_ + want, 2 * buf_.size())));
  std::memcpy(buf_.data() + end_, in, want);
  end_ += want;
  return want;
}

}  // namespace pf::rsync
