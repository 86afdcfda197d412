#include "patch.h"

#include <cstring>

namespace pf::rsync {
namespace {

std::string copy_past_end(const Command& cmd) {
  return "COPY of " + std::to_string(cmd.length) + " bytes at basis offset " + std::to_string(cmd.offset) +
         " at delta offset " + std::to_string(cmd.at) + " reaches past the end of the basis";
}

}  // namespace

Status PatchJob::begin(std::unique_ptr<Basis> basis) {
  if (!basis) return Status::Param;
  basis_ = std::move(basis);
  return Status::Ok;
}

JobResult PatchJob::iterate(const uint8_t* in, size_t in_len, bool eof, uint8_t* out, size_t out_len) {
  JobResult r;
  if (!basis_) {
    r.status = Status::State;
    r.message = "patch job was not begun";
    return r;
  }
  if (failed_ != Status::Ok) {
    fail(&r, failed_, failed_message_);
    return r;
  }
  Sink sink{out, out_len};
  Step step = Step::Progress;
  while (step == Step::Progress && !done_) {
    if (literal_left_) {
      step = copy_literal(in, in_len, eof, &r, &sink);
    } else if (copy_left_) {
      step = copy_basis(&r, &sink);
    } else {
      step = next_command(in, in_len, eof, &r);
    }
  }
  r.done = done_ && step != Step::Failed;
  r.produced = sink.produced;
  return r;
}

PatchJob::Step PatchJob::fail(JobResult* r, Status s, std::string message) {
  failed_ = s;
  failed_message_ = message;
  r->status = s;
  r->message = std::move(message);
  return Step::Failed;
}

PatchJob::Step PatchJob::copy_literal(const uint8_t* in, size_t in_len, bool eof, JobResult* r, Sink* sink) {
  size_t avail = in_len - r->consumed, room = sink->room - sink->produced;
  size_t n = literal_left_ < avail ? static_cast<size_t>(literal_left_) : avail;
  if (pass_through_ && n >= kDirectLiteral) {
    r->direct = in + r->consumed;
    r->direct_len = n;
    r->consumed += n;
    literal_left_ -= n;
    reader_.skip(n);
    return Step::Blocked;  // the caller writes what is produced so far, then this span
  }
  if (n > room) n = room;
  if (n) std::memcpy(sink->out + sink->produced, in + r->consumed, n);
  sink->produced += n;
  r->consumed += n;
  literal_left_ -= n;
  reader_.skip(n);
  if (n > 0) return Step::Progress;
  if (avail == 0 && eof) {
    return fail(r, Status::Truncated,
                "delta ends at offset " + std::to_string(reader_.offset()) + " inside LITERAL data (" +
                    std::to_string(literal_left_) + " bytes missing)");
  }
  return Step::Blocked;
}

PatchJob::Step PatchJob::copy_basis(JobResult* r, Sink* sink) {
  size_t room = sink->room - sink->produced;
  size_t n = copy_left_ < room ? static_cast<size_t>(copy_left_) : room;
  if (n == 0) return Step::Blocked;
  std::string why;
  Status s = basis_->read(copy_at_, sink->out + sink->produced, n, &why);
  if (s == Status::Truncated && basis_->size() == Basis::kUnknownSize) {
    // Only reading found the end: the same fault as a COPY past a known size.
    return fail(r, Status::Corrupt, copy_past_end(copy_) + " (" + why + ")");
  }
  if (s != Status::Ok) return fail(r, s, why);
  sink->produced += n;
  copy_at_ += n;
  copy_left_ -= n;
  return Step::Progress;
}

PatchJob::Step PatchJob::next_command(const uint8_t* in, size_t in_len, bool eof, JobResult* r) {
  size_t used = 0;
  Command cmd;
  CommandReader::Step s = reader_.next(in + r->consumed, in_len - r->consumed, &used, &cmd);
  r->consumed += used;
  if (s == CommandReader::Step::Failed) return fail(r, reader_.status(), reader_.message());
  if (s == CommandReader::Step::NeedInput) {
    if (!eof) return Step::Blocked;
    return fail(r, Status::Truncated,
                "delta ends at offset " + std::to_string(reader_.offset()) +
                    (reader_.offset() < 4 ? " inside its 4-byte magic"
                     : reader_.partial()  ? " inside a command"
                                          : " before the END command"));
  }
  if (cmd.kind == Command::End) {
    done_ = true;
  } else if (cmd.kind == Command::Literal) {
    literal_left_ = cmd.length;
  } else {
    uint64_t size = basis_->size();
    if (cmd.offset > size || cmd.length > size - cmd.offset) {
      return fail(r, Status::Corrupt, copy_past_end(cmd) + " (" + std::to_string(size) + " bytes)");
    }
    copy_ = cmd;
    copy_at_ = cmd.offset;
    copy_left_ = cmd.length;
  }
  return Step::Progress;
}

}  // namespace pf::rsync
