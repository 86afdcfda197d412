// BLAKE2b of four equal-length messages at once, one message per 64-bit lane of an AVX2
// vector (lane-parallel, so no diagonal shuffles). Used for whole blocks by the signature
// writer and the delta matcher. Falls back to four scalar hashes on CPUs without AVX2.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pf::rsync {

// out[i] receives digest_len (1..64) bytes of BLAKE2b(msg[i][0, len)).
void blake2b_x4(const uint8_t* const msg[4], size_t len, uint8_t* const out[4], size_t digest_len);
// True when blake2b_x4 runs the vector code (worth batching for).
bool blake2b_x4_vectorized();

}  // namespace pf::rsync
