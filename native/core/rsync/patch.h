// Resumable patch job: applies a delta (read through CommandReader) to a random-access
// Basis. Literal data goes straight from the caller's input to its output and COPY data
// straight from the basis into the output. Errors, with the delta offset: BadMagic, Corrupt
// (zero/negative length or position, reserved opcode, COPY reaching past the end of the
// basis), Truncated (delta ends before END), StepBuffers (basis read failed). Bytes after END are
// ignored, as rdiff does.
#pragma once

#include <memory>

#include "basis.h"
#include "command.h"
#include "job.h"

namespace pf::rsync {

class PatchJob {
 public:
  Status begin(std::unique_ptr<Basis> basis);
  JobResult iterate(const uint8_t* in, size_t in_len, bool eof, uint8_t* out, size_t out_len);
  // For drivers that write the output themselves: a LITERAL run of at least kDirectLiteral
  // bytes that the input holds is returned as JobResult::direct instead of being copied into
  // the output window, which saves a copy of every literal byte (all of a delta of unrelated data).
  void pass_literals_through() { pass_through_ = true; }
  static constexpr size_t kDirectLiteral = 16 << 10;

 private:
  enum class Step { Progress, Blocked, Failed };
  Step copy_literal(const uint8_t* in, size_t in_len, bool eof, JobResult* r, Sink* sink);
  Step copy_basis(JobResult* r, Sink* sink);
  Step next_command(const uint8_t* in, size_t in_len, bool eof, JobResult* r);
  Step fail(JobResult* r, Status s, std::string message);

  std::unique_ptr<Basis> basis_;
  CommandReader reader_;
  uint64_t literal_left_ = 0;
  uint64_t copy_at_ = 0, copy_left_ = 0;
  Command copy_;  // the COPY being carried out, for messages
  bool done_ = false;
  bool pass_through_ = false;
  Status failed_ = Status::Ok;
  std::string failed_message_;
};

}  // namespace pf::rsync
