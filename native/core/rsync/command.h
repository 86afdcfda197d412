// Delta commands (librsync 2.3.2 "rs\x02\x36" format): encoding for the delta writer and a
// resumable decoder for the patcher. END 0x00; LITERAL 0x01-0x40 (length in the opcode),
// 0x41-0x44 (1/2/4/8-byte length); COPY 0x45 + 4*w(offset) + w(length); 0x55-0xff reserved.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "../status.h"

namespace pf::rsync {

constexpr size_t kMaxCommandHeader = 17;  // opcode + 8-byte offset + 8-byte length

// Encoders return the header length written to out[kMaxCommandHeader]. Literal data
// follows a literal header; length must be >= 1.
size_t encode_literal_header(uint64_t length, uint8_t* out);
size_t encode_copy(uint64_t offset, uint64_t length, uint8_t* out);
size_t encode_end(uint8_t* out);

struct Command {
  enum Kind { End, Literal, Copy } kind = End;
  uint64_t offset = 0;  // COPY: basis offset
  uint64_t length = 0;  // LITERAL: data bytes that follow; COPY: bytes to copy
  uint64_t at = 0;      // delta file offset of the opcode
};

// Reads the delta magic, then one command header at a time from arbitrarily split input.
// Lengths/offsets are validated as rdiff does: zero or >= 2^63 lengths and offsets
// >= 2^63 are Corrupt, reserved opcodes are Corrupt, a wrong magic is BadMagic.
class CommandReader {
 public:
  enum class Step { NeedInput, Command, Failed };

  // Consumes header bytes from in[0, len) into *used. On Command the command is in *cmd;
  // for a LITERAL the caller then consumes cmd->length data bytes itself (and reports
  // them with skip()) before asking for the next command.
  Step next(const uint8_t* in, size_t len, size_t* used, Command* cmd);
  void skip(uint64_t n) { offset_ += n; }
  // Offset in the delta of the next unread byte.
  uint64_t offset() const { return offset_; }
  // True while inside a header (mid-magic or mid-command): input ending here is truncation.
  bool partial() const { return have_ > 0; }
  Status status() const { return status_; }
  const std::string& message() const { return message_; }

 private:
  Step fail(Status s, std::string m);
  Step decode(Command* cmd);

  uint8_t hdr_[kMaxCommandHeader];
  size_t have_ = 0;  // bytes of the current header (or magic) gathered
  size_t need_ = 4;  // bytes the current header needs (4 = the magic)
  bool magic_ok_ = false;
  uint64_t offset_ = 0;
  Status status_ = Status::Ok;
  std::string message_;
};

}  // namespace pf::rsync
