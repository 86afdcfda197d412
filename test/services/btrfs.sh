#!/usr/bin/env bash
# A private btrfs file system for the snapshot tests: a sparse image file on a loop device,
# mounted at a fixed directory, with one subvolume to back up. Nothing outside the state
# directory is touched (besides installing btrfs-progs once and taking a free loop device).
#
#   test/services/btrfs.sh start   # idempotent: reuses the file system when it is mounted
#   test/services/btrfs.sh stop    # unmounts it, detaches the loop device, removes the image
#   test/services/btrfs.sh env     # KEY=VALUE lines: BTRFS_MOUNT, BTRFS_SUBVOL, BTRFS_DEVICE, ...
#   test/services/btrfs.sh status  # exit 0 when it is mounted
#
# Exit status: 0 done, 3 this machine cannot do it (no btrfs in the kernel, no loop devices, not
# root, no btrfs-progs and no way to install it), 1 anything else.
# Environment: PERMAFROST_BTRFS_DIR (state directory, default /tmp/permafrost-btrfs),
# PERMAFROST_BTRFS_SIZE (image size, default 1G).
set -euo pipefail

STATE=${PERMAFROST_BTRFS_DIR:-/tmp/permafrost-btrfs}
SIZE=${PERMAFROST_BTRFS_SIZE:-1G}
IMAGE=$STATE/image
MOUNT=$STATE/mnt
SUBVOL=$MOUNT/vol

die() { echo "btrfs.sh: $*" >&2; exit 1; }
unavailable() { echo "btrfs.sh: $*" >&2; exit 3; }

install_packages() {
  dpkg-query -W -f='${Status}' btrfs-progs 2>/dev/null | grep -q "install ok installed" && return 0
  command -v apt-get >/dev/null || unavailable "cannot install btrfs-progs: no apt-get on this machine"
  echo "btrfs.sh: installing btrfs-progs" >&2
  local rc=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq btrfs-progs >&2; } || rc=$?
  [ "$rc" -eq 0 ] || unavailable "apt-get install btrfs-progs failed (exit $rc)"
}

mounted() { findmnt -n -o FSTYPE --mountpoint "$MOUNT" 2>/dev/null | grep -qx btrfs; }

# The loop device backing our image, if one is attached.
device() { losetup -n -O NAME -j "$IMAGE" 2>/dev/null | head -n 1; }

start() {
  if mounted; then
    [ -d "$SUBVOL" ] || btrfs subvolume create "$SUBVOL" >/dev/null
    echo "btrfs.sh: reusing the file system mounted at $MOUNT" >&2
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || unavailable "mounting a loop device needs root"
  grep -qw btrfs /proc/filesystems || modprobe btrfs 2>/dev/null || true
  grep -qw btrfs /proc/filesystems || unavailable "the kernel has no btrfs (not in /proc/filesystems)"
  [ -e /dev/loop-control ] || unavailable "no loop devices (/dev/loop-control is missing)"
  install_packages
  mkdir -p "$STATE" "$MOUNT"
  local dev
  dev=$(device)
  if [ -z "$dev" ]; then
    rm -f "$IMAGE"
    truncate -s "$SIZE" "$IMAGE"
    mkfs.btrfs -q -f "$IMAGE" >/dev/null || die "mkfs.btrfs failed"
    dev=$(losetup -f --show "$IMAGE" 2>/dev/null) || unavailable "cannot attach a loop device (losetup -f failed)"
  fi
  mount -t btrfs "$dev" "$MOUNT" || die "cannot mount $dev at $MOUNT"
  [ -d "$SUBVOL" ] || btrfs subvolume create "$SUBVOL" >/dev/null
  echo "btrfs.sh: mounted $dev at $MOUNT (image $IMAGE, $SIZE)" >&2
}

stop() {
  local dev
  if mounted; then umount "$MOUNT" || umount -l "$MOUNT"; fi
  dev=$(device)
  [ -z "$dev" ] || losetup -d "$dev"
  rm -f "$IMAGE"
  echo "btrfs.sh: stopped (${dev:-no loop device})" >&2
}

print_env() {
  mounted || die "nothing mounted at $MOUNT (run: $0 start)"
  cat <<EOT
BTRFS_MOUNT=$MOUNT
BTRFS_SUBVOL=$SUBVOL
BTRFS_DEVICE=$(findmnt -n -o SOURCE --mountpoint "$MOUNT")
BTRFS_STATE=$STATE
EOT
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  status) mounted ;;
  *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
