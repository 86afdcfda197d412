#include "status.h"

namespace pf {

const char* status_name(Status status) {
  switch (status) {
    case Status::Ok: return "OK";
    case Status::Corrupt: return "ERR_CORRUPT";
    case Status::Truncated: return "ERR_TRUNCATED";
    case Status::NoMemory: return "ERR_NO_MEMORY";
    case Status::State: return "ERR_STATE";
    case Status::Busy: return "ERR_BUSY";
    case Status::Closed: return "ERR_CLOSED";
    case Status::Finished: return "ERR_FINISHED";
    case Status::Crypto: return "ERR_CRYPTO";
    case Status::Internal: return "ERR_INTERNAL";
    case Status::BadMagic: return "ERR_BAD_MAGIC";
    case Status::Param: return "ERR_PARAM";
    case Status::IoFailed: return "ERR_IO";
    case Status::Unsafe: return "ERR_UNSAFE";
    case Status::Unsupported: return "ERR_UNSUPPORTED";
  }
  return "ERR_INTERNAL";
}

}  // namespace pf
