#!/usr/bin/env bash
# Runs the native test suites against an ASan + UBSan build of the addon. The build happens in
# a scratch copy of the repository, so the normal build/Release is never replaced.
#   npm run test:asan
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d /tmp/permafrost-asan.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
tar -C "$ROOT" --exclude=./node_modules --exclude=./build --exclude=./.git -cf - . | tar -C "$WORK" -xf -
ln -s "$ROOT/node_modules" "$WORK/node_modules"
cd "$WORK"
npx node-gyp rebuild -j 2 --sanitize=true >/dev/null
npx tsc -p tsconfig.json
ASAN_LIB="$(g++ -print-file-name=libasan.so)"
UBSAN_LIB="$(g++ -print-file-name=libubsan.so)"
LD_PRELOAD="$ASAN_LIB:$UBSAN_LIB" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  npx mocha --no-config --timeout 600000 dist/test/native.test.js dist/test/rsync-native.test.js dist/test/rsync-api.test.js \
    dist/test/tar-native-files.test.js dist/test/tar-listing.test.js
