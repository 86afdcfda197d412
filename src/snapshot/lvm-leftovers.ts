// Snapshots a killed run (kill -9, power loss) left behind for this chain: found in `lvs` by
// the chain's name prefix (or --lvm-snapname, when it is a snapshot of the same origin), taken
// down with a warning before the next one is made. Runs of one chain never overlap (the chain
// lock), so a snapshot with the chain's prefix is no other run's.
import { readdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { configError, sourceError } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import { lvsOfVgArgs, run } from './lvm-commands.js';
import { mountsOfLv, type MountEntry } from './lvm-guess.js';
import { teardownOrWarn } from './lvm-remove.js';
import type { LvmSettings } from './lvm-settings.js';

export interface LeftoverQuery {
  vg: string;
  /** null when --lvm-srcvol is a path that names no LV (then --lvm-snapname cannot be checked). */
  originLv: string | null;
  /** The chain's prefix, or null when --lvm-snapname names the snapshot. */
  prefix: string | null;
  snapname: string | null;
  mounts: readonly MountEntry[];
  settings: LvmSettings;
  log: Logger;
}

/** `lvs` lines `name|origin` → pairs. */
export function parseLvsNames(text: string): { name: string; origin: string }[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const [name, origin = ''] = l.split('|').map((x) => x.trim());
      return { name, origin };
    });
}

/** Removes this chain's leftovers; resolves how many there were. */
export async function removeLeftovers(q: LeftoverQuery): Promise<number> {
  const r = await run('lvs', lvsOfVgArgs(q.vg), q.log);
  if (r.code !== 0) throw sourceError(`LVM snapshot: lvs ${q.vg} failed: ${r.stderr || `exit ${r.code}`}`);
  const found = parseLvsNames(r.stdout).filter((x) => {
    if (q.prefix !== null) return x.name.startsWith(q.prefix);
    if (x.name !== q.snapname) return false;
    if (q.originLv === null || x.origin !== q.originLv)
      throw configError(
        `--lvm-snapname ${q.snapname}: ${q.vg}/${q.snapname} exists and is not known to be a snapshot of ${q.vg}/${q.originLv ?? '--lvm-srcvol'}; choose another name`,
      );
    return true;
  });
  for (const x of found) {
    const mounted = mountsOfLv(q.vg, x.name, q.mounts).map((m) => m.mountPoint);
    const ownDir = path.join(q.settings.mountBase, x.name);
    q.log.warn(
      `lvm snapshot: removing ${q.vg}/${x.name}, left by an earlier run that did not finish` +
        (mounted.length ? ` (mounted on ${mounted.join(', ')})` : ''),
    );
    await teardownOrWarn(
      {
        vg: q.vg,
        name: x.name,
        mounted,
        madeDirs: [ownDir],
        attempts: q.settings.removeAttempts,
        waitMs: q.settings.removeWaitMs,
        log: q.log,
      },
      'the leftover snapshot',
    );
  }
  await removeStrayDirs(q);
  return found.length;
}

/** Empty mount directories of this chain under the mount base (a run killed before lvcreate). */
async function removeStrayDirs(q: LeftoverQuery): Promise<void> {
  const own = q.prefix ?? q.snapname;
  if (own === null) return;
  let names: string[];
  try {
    names = await readdir(q.settings.mountBase);
  } catch {
    return;
  }
  const mounted = new Set(q.mounts.map((m) => m.mountPoint));
  for (const n of names) {
    const dir = path.join(q.settings.mountBase, n);
    if (!(q.prefix !== null ? n.startsWith(q.prefix) : n === own) || mounted.has(dir)) continue;
    try {
      await rmdir(dir);
      q.log.warn(`lvm snapshot: removed the empty mount directory ${dir}, left by an earlier run`);
    } catch {
      // Not empty or not ours to judge: left as it is.
    }
  }
}
