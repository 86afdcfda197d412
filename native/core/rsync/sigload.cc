#include "sigload.h"

namespace pf::rsync {
namespace {

constexpr uint64_t kMaxBlocks = 0xfffffffeull;  // block_plus1 must fit a uint32_t

unsigned log2_ceil(uint64_t v) {
  unsigned n = 0;
  while ((uint64_t{1} << n) < v) ++n;
  return n;
}

}  // namespace

Status SignatureSet::load(const uint8_t* data, size_t len, std::unique_ptr<SignatureSet>* out, std::string* why) {
  if (len < kSigHeaderBytes) {
    *why = "signature ends at offset " + std::to_string(len) + " inside its 12-byte header";
    return Status::Truncated;
  }
  auto set = std::make_unique<SignatureSet>();
  Status s = decode_sig_header(data, &set->params_, why);
  if (s != Status::Ok) return s;
  size_t record = 4 + set->params_.strong_len, body = len - kSigHeaderBytes;
  if (body % record != 0) {
    size_t cut = kSigHeaderBytes + body / record * record;
    *why = "signature ends at offset " + std::to_string(len) + " inside the block record at offset " +
           std::to_string(cut) + " (" + std::to_string(record) + "-byte records)";
    return Status::Truncated;
  }
  if (body / record > kMaxBlocks) {
    *why = "signature has more than " + std::to_string(kMaxBlocks) + " blocks";
    return Status::Param;
  }
  set->block_count_ = body / record;
  set->weak_.resize(set->block_count_);
  set->strong_.resize(set->block_count_ * set->params_.strong_len);
  for (uint64_t i = 0; i < set->block_count_; ++i) {
    const uint8_t* r = data + kSigHeaderBytes + i * record;
    set->weak_[i] = load_be32(r);
    std::memcpy(set->strong_.data() + i * set->params_.strong_len, r + 4, set->params_.strong_len);
  }
  set->build_table();
  *out = std::move(set);
  return Status::Ok;
}

// Table: power of two >= 2 * blocks; filter: 16 bits per block (at least 64).
void SignatureSet::build_table() {
  unsigned slot_bits = log2_ceil(block_count_ * 2 + 1), filter_bits;
  if (slot_bits < 1) slot_bits = 1;  // keeps the shifts below 64
  filter_bits = slot_bits + 3;
  if (filter_bits < 6) filter_bits = 6;
  slots_.assign(uint64_t{1} << slot_bits, Slot{0, 0});
  filter_.assign((uint64_t{1} << filter_bits) / 64, 0);
  slot_mask_ = (uint64_t{1} << slot_bits) - 1;
  slot_shift_ = 64 - slot_bits;
  filter_shift_ = 64 - filter_bits;
  for (uint64_t i = 0; i < block_count_; ++i) insert(weak_[i], static_cast<uint32_t>(i));
  std::vector<uint32_t>().swap(weak_);  // the table holds them now
}

void SignatureSet::insert(uint32_t weak, uint32_t block) {
  uint64_t i = mix(weak) >> slot_shift_;
  for (;; i = (i + 1) & slot_mask_) {
    Slot& s = slots_[i];
    if (s.block_plus1 == 0) break;
    // An exact duplicate of an earlier block: the earlier one wins.
    if (s.weak == weak && std::memcmp(strong_of(s.block_plus1 - 1), strong_of(block), params_.strong_len) == 0) {
      return;
    }
  }
  slots_[i] = Slot{weak, block + 1};
  uint64_t bit = mix(weak) >> filter_shift_;
  filter_[bit >> 6] |= uint64_t{1} << (bit & 63);
}

}  // namespace pf::rsync
