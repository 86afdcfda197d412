// Known-answer tests for the hashes and rolling sums (RFC 1320 MD4 vectors, the RFC 7693
// BLAKE2b-512("abc") vector, BLAKE2b-256 / rollsum / RabinKarp values that rdiff 2.3.2
// writes, and rolling == recomputing). Ok, or Internal with the first failure described.
#pragma once

#include <string>

#include "../status.h"

namespace pf::rsync {

Status selftest(std::string* failure);

}  // namespace pf::rsync
