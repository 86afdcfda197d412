// Outcome of every core operation. The N-API layer turns a non-Ok status into a JS Error
// whose .code is status_name(status), so these names are part of the public contract.
#pragma once

namespace pf {

enum class Status {
  Ok,
  Corrupt,    // malformed or checksum-failing compressed data, trailing garbage
  Truncated,  // input ended inside a member/stream/frame
  NoMemory,
  State,        // call not valid in the object's current state (e.g. input after end)
  Busy,         // another operation is in flight on the same object
  Closed,       // object was closed
  Finished,     // digest already finalised
  Crypto,       // OpenSSL refused an operation
  Internal,     // library misuse or unexpected return code: a bug
  BadMagic,     // a file's magic number is not one this reader accepts (rsync signature/delta)
  Param,        // a parameter is out of its valid range (block length, strong sum length, ...)
  IoFailed,     // a read/write/pread on a file descriptor failed (message carries the errno text)
  Unsafe,       // an archive member would write outside the target or through a symlink
  Unsupported,  // valid input this code does not handle (sparse or multi-volume tar members)
};

const char* status_name(Status status);

}  // namespace pf
