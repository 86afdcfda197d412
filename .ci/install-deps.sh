#!/usr/bin/env bash
# Debian packages for building the addon and for the peer tools the tests compare against.
# Idempotent: installs only what is missing.
set -euo pipefail
# clang: libFuzzer targets (a short fuzz run is part of CI); clang-format: npm run lint checks
# native/; rdiff: the diff-format peer; btrfs-progs: --snapshot btrfs and its tests.
PACKAGES=(g++ make python3 pkg-config libbz2-dev liblzma-dev libzstd-dev clang clang-format xxd
          tar gzip bzip2 xz-utils zstd pigz openssl python3-freezer rdiff
          btrfs-progs)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
