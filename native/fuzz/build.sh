#!/bin/bash
# Builds the libFuzzer targets (not part of the node-gyp build) with ASan + UBSan.
#   native/fuzz/build.sh            -> binaries in $OUT (default build-fuzz)
# Needs clang (apt-get install -y clang). Links only native/core/rsync/*.cc, fd_io.cc, status.cc, os_calls.cc,
# sha256_lanes.cc, the tar extractor's tar_parse.cc, tar_paths.cc, tar_extract.cc and file_writer.cc, and dm_ioctl.cc.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-build-fuzz}  # not under build/, which node-gyp rebuild wipes
CXX=${CXX:-clang++}
mkdir -p "$OUT"
CORE=(native/core/rsync/*.cc native/core/fd_io.cc native/core/status.cc native/core/os_calls.cc native/core/sha256_lanes.cc
      native/core/tar_parse.cc native/core/tar_paths.cc native/core/tar_extract.cc native/core/file_writer.cc
      native/core/dm_ioctl.cc)
FLAGS=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -Wall -Wextra -Inative/core)
# Compile the core once, then link each target against it.
mkdir -p "$OUT/obj"
objs=()
for src in "${CORE[@]}"; do
  obj="$OUT/obj/$(basename "${src%.cc}").o"
  "$CXX" "${FLAGS[@]/-fsanitize=fuzzer,/-fsanitize=fuzzer-no-link,}" -c "$src" -o "$obj"
  objs+=("$obj")
done
for t in fuzz_sigload fuzz_delta_reader fuzz_patch fuzz_roundtrip fuzz_parallel_delta fuzz_sha256_lanes fuzz_tar_extract fuzz_dm_status; do
  "$CXX" "${FLAGS[@]}" "native/fuzz/$t.cc" "${objs[@]}" -o "$OUT/$t"
  echo "built $OUT/$t"
done
