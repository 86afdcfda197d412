// A btrfs file system on a loop device for the snapshot tests, run by test/services/btrfs.sh
// (which installs btrfs-progs when it is missing). Start reuses a mounted one; the suite that
// started it stops it (unmounted, loop device detached, image removed).
import fs from 'node:fs';
import path from 'node:path';
import { parseEnvLines, runServiceScript, serviceScript, startOrSkip } from './service-script.js';

export const BTRFS_SCRIPT = serviceScript('btrfs.sh');

export interface BtrfsInfo {
  /** The file system's top level, mounted. */
  mount: string;
  /** A subvolume on it, for tests to work in. */
  subvol: string;
  device: string;
}

export async function startBtrfs(): Promise<BtrfsInfo> {
  await runServiceScript(BTRFS_SCRIPT, ['start']);
  const env = parseEnvLines((await runServiceScript(BTRFS_SCRIPT, ['env'])).stdout);
  return { mount: env.BTRFS_MOUNT, subvol: env.BTRFS_SUBVOL, device: env.BTRFS_DEVICE };
}

export async function stopBtrfs(): Promise<void> {
  await runServiceScript(BTRFS_SCRIPT, ['stop']);
}

/** For a mocha `before` hook: mounts it, or skips the suite when this machine cannot. */
export function startBtrfsOrSkip(ctx: Mocha.Context): Promise<BtrfsInfo> {
  return startOrSkip(ctx, 'btrfs', startBtrfs);
}

/** A fresh subvolume-free directory under the test subvolume. */
export function btrfsTempDir(info: BtrfsInfo, prefix = 'pf-'): string {
  return fs.mkdtempSync(path.join(info.subvol, prefix));
}
