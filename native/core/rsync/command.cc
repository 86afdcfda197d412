#include "command.h"

#include "sigformat.h"

namespace pf::rsync {
namespace {

constexpr uint8_t kOpLiteralN1 = 0x41, kOpCopyBase = 0x45, kOpReservedFrom = 0x55;
constexpr uint64_t kSignBit = uint64_t{1} << 63;

size_t width_index(size_t w) { return w == 1 ? 0 : w == 2 ? 1 : w == 4 ? 2 : 3; }
size_t index_width(size_t i) { return size_t{1} << i; }

// Total header bytes (opcode included) for an opcode, 0 for a reserved one.
size_t header_len(uint8_t op) {
  if (op <= 0x40) return 1;
  if (op < kOpCopyBase) return 1 + index_width(op - kOpLiteralN1);
  if (op < kOpReservedFrom) return 1 + index_width((op - kOpCopyBase) / 4) + index_width((op - kOpCopyBase) % 4);
  return 0;
}

std::string at_offset(uint64_t at) { return " at delta offset " + std::to_string(at); }

}  // namespace

size_t encode_literal_header(uint64_t length, uint8_t* out) {
  if (length <= 0x40) {
    out[0] = static_cast<uint8_t>(length);
    return 1;
  }
  size_t w = int_width(length);
  out[0] = static_cast<uint8_t>(kOpLiteralN1 + width_index(w));
  store_be(out + 1, length, w);
  return 1 + w;
}

size_t encode_copy(uint64_t offset, uint64_t length, uint8_t* out) {
  size_t wo = int_width(offset), wl = int_width(length);
  out[0] = static_cast<uint8_t>(kOpCopyBase + 4 * width_index(wo) + width_index(wl));
  store_be(out + 1, offset, wo);
  store_be(out + 1 + wo, length, wl);
  return 1 + wo + wl;
}

size_t encode_end(uint8_t* out) {
  out[0] = 0;
  return 1;
}

CommandReader::Step CommandReader::fail(Status s, std::string m) {
  status_ = s;
  message_ = std::move(m);
  return Step::Failed;
}

CommandReader::Step CommandReader::next(const uint8_t* in, size_t len, size_t* used, Command* cmd) {
  *used = 0;
  if (status_ != Status::Ok) return Step::Failed;
  for (;;) {
    size_t take = need_ - have_ < len - *used ? need_ - have_ : len - *used;
    for (size_t i = 0; i < take; ++i) hdr_[have_ + i] = in[*used + i];
    have_ += take;
    *used += take;
    offset_ += take;
    if (have_ < need_) return Step::NeedInput;
    if (!magic_ok_) {
      uint32_t magic = load_be32(hdr_);
      if (magic != kDeltaMagic) {
        return fail(Status::BadMagic, "bad delta magic " + hex32(magic) + " (expected " + hex32(kDeltaMagic) + ")");
      }
      magic_ok_ = true;
      have_ = 0;
      need_ = 1;
      continue;
    }
    if (have_ == 1 && need_ == 1) {
      need_ = header_len(hdr_[0]);
      if (need_ == 0) {
        return fail(Status::Corrupt,
                    "reserved command byte " + hex32(hdr_[0]).replace(2, 6, "") + at_offset(offset_ - 1));
      }
      if (need_ > 1) continue;
    }
    Step s = decode(cmd);
    have_ = 0;
    need_ = 1;
    return s;
  }
}

CommandReader::Step CommandReader::decode(Command* cmd) {
  uint8_t op = hdr_[0];
  cmd->at = offset_ - need_;
  cmd->offset = 0;
  if (op == 0) {
    cmd->kind = Command::End;
    cmd->length = 0;
    return Step::Command;
  }
  if (op < kOpCopyBase) {
    cmd->kind = Command::Literal;
    cmd->length = op <= 0x40 ? op : load_be(hdr_ + 1, need_ - 1);
    if (cmd->length == 0 || cmd->length >= kSignBit) {
      return fail(Status::Corrupt,
                  "invalid length=" + std::to_string(cmd->length) + " on LITERAL command" + at_offset(cmd->at));
    }
    return Step::Command;
  }
  size_t wo = index_width((op - kOpCopyBase) / 4);
  cmd->kind = Command::Copy;
  cmd->offset = load_be(hdr_ + 1, wo);
  cmd->length = load_be(hdr_ + 1 + wo, need_ - 1 - wo);
  if (cmd->offset >= kSignBit) {
    return fail(Status::Corrupt,
                "invalid position=" + std::to_string(cmd->offset) + " on COPY command" + at_offset(cmd->at));
  }
  if (cmd->length == 0 || cmd->length >= kSignBit) {
    return fail(Status::Corrupt,
                "invalid length=" + std::to_string(cmd->length) + " on COPY command" + at_offset(cmd->at));
  }
  return Step::Command;
}

}  // namespace pf::rsync
