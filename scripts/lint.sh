#!/usr/bin/env bash
# npm run lint: every check runs, even after one fails, so one run shows all that is wrong;
# the exit code is 1 when any failed. The checks and why: CONTRIBUTING.md, "Lint and format".
set -uo pipefail
cd "$(dirname "$0")/.."
PATH="$PWD/node_modules/.bin:$PATH"
failed=()
check() {
  local name=$1
  shift
  echo "== $name: $*"
  "$@" || failed+=("$name")
}
check eslint eslint .
check types tsc -p tsconfig.json --noEmit
check layers depcruise src --config .dependency-cruiser.cjs --output-type err-long
check prettier prettier --check --log-level warn .
check clang-format bash scripts/clang-format.sh --check
if ((${#failed[@]})); then
  echo "lint failed: ${failed[*]}" >&2
  exit 1
fi
echo "lint: all checks passed"
