// The btrfs subvolume holding a path: its root is the directory with inode 256 (every
// subvolume's root has it), reached by walking up without leaving the path's device (each
// subvolume has a device number of its own).
import fs from 'node:fs/promises';
import path from 'node:path';
import { sourceError, usageError } from '../base/errors.js';
import { BTRFS_SUPER_MAGIC, fsTypeOf } from './fs-type.js';

/** BTRFS_FIRST_FREE_OBJECTID: the inode number of every subvolume's root directory. */
export const SUBVOLUME_ROOT_INO = 256n;

export async function isSubvolumeRoot(p: string): Promise<boolean> {
  const st = await fs.lstat(p, { bigint: true }).catch(() => null);
  return st !== null && st.isDirectory() && st.ino === SUBVOLUME_ROOT_INO && (await fsTypeOf(p)).magic === BTRFS_SUPER_MAGIC;
}

/** The root of the subvolume holding `source` (a real path). */
export async function subvolumeRoot(source: string): Promise<string> {
  const fsType = await fsTypeOf(source);
  if (fsType.magic !== BTRFS_SUPER_MAGIC) throw usageError(`--snapshot btrfs: ${source} is on ${fsType.name}, not btrfs`);
  const first = await fs.stat(source, { bigint: true });
  let dir = first.isDirectory() ? source : path.dirname(source);
  const dev = (await fs.stat(dir, { bigint: true })).dev;
  for (;;) {
    const st = await fs.stat(dir, { bigint: true });
    if (st.ino === SUBVOLUME_ROOT_INO) return dir;
    const parent = path.dirname(dir);
    const up = parent === dir ? null : await fs.stat(parent, { bigint: true });
    if (!up || up.dev !== dev) {
      // Reached the top of what is mounted here without finding the subvolume's root: a
      // subdirectory of a subvolume mounted (or bind-mounted) on its own.
      throw sourceError(
        `--snapshot btrfs: the root of the btrfs subvolume holding ${source} is not reachable from here (${dir} is mounted from inside it); back up a path under a mounted subvolume root`,
      );
    }
    dir = parent;
  }
}
