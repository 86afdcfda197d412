// --snapshot btrfs: a read-only snapshot of the subvolume holding --path-to-backup, read from
// the same relative path inside it, deleted afterwards.
//
// Where it lives: <subvolume root>/.permafrost-snapshots/<name>. A snapshot must be on the
// same file system, and the subvolume's own root is the one place on it that is always
// reachable and writable where the source is (beside it may be another mount, or another file
// system). The directory is made for the snapshot and removed with it when no other chain's
// snapshot is in it. Inside a snapshot, a nested subvolume shows as an empty directory, so a
// backup of the subvolume's root would hold `.permafrost-snapshots` (with an empty directory
// for every snapshot there at the time): that one name is excluded at the root of the backup,
// and only there (README.md, "Snapshots").
//
// The name is fixed per chain (`permafrost-<chain>-<hash>`): a snapshot left by a killed run
// is found by the next run of the chain and deleted, with a warning. The chain's lock makes
// sure no live run of the chain owns it.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { sourceError, usageError } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import { btrfs } from './btrfs-command.js';
import { isSubvolumeRoot, subvolumeRoot } from './btrfs-subvolume.js';
import type { PointInTime, SnapshotProvider, SnapshotRequest } from './types.js';

export const SNAPSHOT_DIR = '.permafrost-snapshots';

/** `permafrost-<chain, sanitised>-<8 hex of its SHA-256>`: two chains never share a name. */
export function snapshotName(chainName: string): string {
  const safe = chainName.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  const hash = createHash('sha256').update(chainName).digest('hex').slice(0, 8);
  return `permafrost-${safe}-${hash}`;
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

/** false: it was gone already (someone else deleted it, and the backup failed for it). */
async function deleteSubvolume(snapshot: string): Promise<boolean> {
  const there = await exists(snapshot);
  if (there) await btrfs(['subvolume', 'delete', snapshot]);
  // The directory goes with the last snapshot in it (another chain's may still be there).
  await fs.rmdir(path.dirname(snapshot)).catch(() => {});
  return there;
}

async function removeLeftover(snapshot: string, log: Logger): Promise<void> {
  if (!(await exists(snapshot))) return;
  if (!(await isSubvolumeRoot(snapshot))) {
    throw sourceError(`${snapshot} is in the way of this chain's btrfs snapshot and is not a snapshot: remove it`);
  }
  log.warn(`removing btrfs snapshot ${snapshot}, left by an earlier run of this chain that did not finish`);
  await btrfs(['subvolume', 'delete', snapshot]);
}

/** Makes the directory and the snapshot; once more if another chain removed the directory in between. */
async function snapshotInto(subvolume: string, snapshot: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await fs.mkdir(path.dirname(snapshot), { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw sourceError(`cannot make ${path.dirname(snapshot)}: ${err.message}`, err);
    });
    try {
      await btrfs(['subvolume', 'snapshot', '-r', subvolume, snapshot]);
      return;
    } catch (err) {
      if (attempt > 0 || (await exists(path.dirname(snapshot)))) throw err;
    }
  }
}

async function take(req: SnapshotRequest): Promise<PointInTime> {
  const subvolume = await subvolumeRoot(req.source);
  const rel = path.relative(subvolume, req.source);
  if (rel === SNAPSHOT_DIR || rel.startsWith(`${SNAPSHOT_DIR}/`)) {
    throw usageError(
      `--snapshot btrfs: ${req.source} is where permafrost keeps its btrfs snapshots; it cannot be backed up from a snapshot`,
    );
  }
  const snapshot = path.join(subvolume, SNAPSHOT_DIR, snapshotName(req.chainName));
  await removeLeftover(snapshot, req.log);
  await snapshotInto(subvolume, snapshot);
  req.log.info(`btrfs snapshot taken: ${snapshot} (read-only, of subvolume ${subvolume})`);
  let released: Promise<void> | null = null;
  return {
    path: path.join(snapshot, rel),
    details: { provider: 'btrfs', subvolume, snapshot },
    exclude: rel === '' ? [`./${SNAPSHOT_DIR}`] : [],
    async check() {
      if (!(await isSubvolumeRoot(snapshot))) throw sourceError(`the btrfs snapshot ${snapshot} disappeared while it was read`);
    },
    release() {
      released ??= deleteSubvolume(snapshot).then(
        (there) => req.log.info(there ? `btrfs snapshot deleted: ${snapshot}` : `btrfs snapshot ${snapshot} was gone already`),
        (err: Error) => req.log.warn(`cannot delete the btrfs snapshot ${snapshot}: ${err.message}; the next run of this chain removes it`),
      );
      return released;
    },
  };
}

export const btrfsProvider: SnapshotProvider = { kind: 'btrfs', take };
