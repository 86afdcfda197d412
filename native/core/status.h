// Outcome of every core operation. The N-API layer turns a non-Ok status into a JS Error
// whose .code is status_name(status), so these names are part of the public contract.
#pragma once

namespace pf {

enum class Status {
  Ok,
  Corrupt,    // malformed or checksum-failing compressed data, trailing garbage
  Truncated,  // input ended inside a member/stream/frame
  NoMemory,
  State,      // call not valid in the object's current state (e.g. input after end)
  Busy,       // another operation is in flight on the same object
  Closed,     // object was closed
  Finished,   // digest already finalised
  Crypto,     // OpenSSL refused an operation
  Internal,   // library misuse or unexpected return code: a bug
};

const char* status_name(Status status);

}  // namespace pf
