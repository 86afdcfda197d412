#!/usr/bin/env bash
# Formats native/ with clang-format and the repository's .clang-format; `--check` changes
# nothing and fails naming the files that differ (npm run lint). Debian 12's clang-format 14
# is the reference: another version may wrap a few lines differently.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  echo "clang-format is not installed: bash .ci/install-deps.sh (or apt-get install -y clang-format)" >&2
  exit 2
fi
mapfile -t files < <(git ls-files 'native/*.cc' 'native/*.h')
if [ "${1:-}" = "--check" ]; then
  clang-format --dry-run -Werror "${files[@]}" 2>/dev/null && exit 0
  echo "native/ is not formatted as .clang-format says; npm run format fixes it. Files:" >&2
  for f in "${files[@]}"; do clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "  $f" >&2; done
  exit 1
fi
clang-format -i "${files[@]}"
