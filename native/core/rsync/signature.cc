#include "signature.h"

#include <cstring>

#include "blake2b_x4.h"

namespace pf::rsync {

Status SignatureJob::begin(const SigParams& params) {
  if (!magic_known(params.magic) || params.block_len < 1 || params.block_len > kMaxBlockLen || params.strong_len < 1 ||
      params.strong_len > magic_max_strong(params.magic)) {
    return Status::Param;
  }
  params_ = params;
  weak_kind_ = magic_weak(params.magic);
  uint8_t header[kSigHeaderBytes];
  encode_sig_header(params_, header);
  staging_.push(header, sizeof header);
  start_block();
  begun_ = true;
  return Status::Ok;
}

void SignatureJob::start_block() {
  rollsum_.reset();
  rabinkarp_.reset();
  strong_.begin(magic_strong(params_.magic));
  fill_ = 0;
}

void SignatureJob::absorb(const uint8_t* p, size_t n) {
  if (weak_kind_ == WeakKind::Rollsum) {
    rollsum_.update(p, n);
  } else {
    rabinkarp_.update(p, n);
  }
  strong_.update(p, n);
  fill_ += n;
}

void SignatureJob::finish_block() {
  uint8_t record[4 + kMaxStrongBytes], digest[kMaxStrongBytes];
  store_be32(record, weak_kind_ == WeakKind::Rollsum ? rollsum_.digest() : rabinkarp_.digest());
  strong_.final(digest);
  for (uint32_t i = 0; i < params_.strong_len; ++i) record[4 + i] = digest[i];
  staging_.push(record, 4 + params_.strong_len);
  ++blocks_;
  start_block();
}

// Four whole blocks at block start, BLAKE2b lanes in parallel; returns bytes used (0 = n/a).
size_t SignatureJob::four_blocks(const uint8_t* p) {
  if (fill_ != 0 || magic_strong(params_.magic) != StrongKind::Blake2 || !blake2b_x4_vectorized()) return 0;
  const size_t b = params_.block_len;
  uint8_t digest[4][kBlake2bRsyncDigestBytes], record[4 + kMaxStrongBytes];
  const uint8_t* msg[4] = {p, p + b, p + 2 * b, p + 3 * b};
  uint8_t* out[4] = {digest[0], digest[1], digest[2], digest[3]};
  blake2b_x4(msg, b, out, kBlake2bRsyncDigestBytes);
  for (int i = 0; i < 4; ++i) {
    store_be32(record, weak_kind_ == WeakKind::Rollsum ? rollsum(msg[i], b) : rabinkarp(msg[i], b));
    std::memcpy(record + 4, digest[i], params_.strong_len);
    staging_.push(record, 4 + params_.strong_len);
  }
  blocks_ += 4;
  return 4 * b;
}

JobResult SignatureJob::iterate(const uint8_t* in, size_t in_len, bool eof, uint8_t* out, size_t out_len) {
  JobResult r;
  if (!begun_) {
    r.status = Status::State;
    r.message = "signature job was not begun";
    return r;
  }
  Sink sink{out, out_len};
  for (;;) {
    if (!staging_.drain(&sink)) break;
    if (done_) {
      r.done = true;
      break;
    }
    if (in_len - r.consumed >= 4 * uint64_t{params_.block_len}) {
      size_t used = four_blocks(in + r.consumed);
      r.consumed += used;
      if (used) continue;
    }
    if (r.consumed < in_len) {
      // Up to the end of the current block, then emit its record.
      uint64_t want = params_.block_len - fill_;
      size_t n = want < in_len - r.consumed ? static_cast<size_t>(want) : in_len - r.consumed;
      absorb(in + r.consumed, n);
      r.consumed += n;
      if (fill_ == params_.block_len) finish_block();
      continue;
    }
    if (!eof) break;
    if (fill_ > 0) finish_block();
    done_ = true;
  }
  r.produced = sink.produced;
  return r;
}

}  // namespace pf::rsync
