// Which logical volume to snapshot and where the source lies on it. From --lvm-srcvol and
// --lvm-volgroup when both are given (nothing is guessed); else device-mapper's answer for the
// source's device; else the mount table (lvm-guess.ts). The source's mount point maps
// --path-to-backup into the mounted snapshot; a path already inside --lvm-dirmount (the form
// of Freezer's README) is used as it is.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { configError } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import { lvOfDmDevice, splitDev, type DeviceMapper } from './lvm-dm.js';
import { isInside, lvOfDevicePath, lvOfVolumeArg, mountOf, mountsOfLv, type MountEntry } from './lvm-guess.js';
import type { LvmSettings } from './lvm-settings.js';

export interface Volume {
  vg: string;
  /** The LV's name when known (always, unless --lvm-srcvol is a path that names no LV). */
  lv: string | null;
  /** lvcreate's last argument: --lvm-srcvol as given, or /dev/<vg>/<lv>. */
  origin: string;
  how: 'options' | 'device-mapper' | 'mount table';
  /** The source's own mount (null when the source is inside --lvm-dirmount). */
  sourceMount: MountEntry | null;
  /** The file system type where the mount table tells it. */
  fsType: string | null;
}

async function lvOfPathByDm(p: string, dm: DeviceMapper, rdev: boolean) {
  try {
    const s = await stat(p, { bigint: true });
    const { major, minor } = splitDev(rdev ? s.rdev : s.dev);
    const d = dm.byDevice(major, minor);
    return d ? lvOfDmDevice(d) : null;
  } catch {
    return null;
  }
}

function guessHelp(source: string, m: MountEntry | null, dm: DeviceMapper | null): string {
  const where = m ? `it is on ${m.device}, mounted on ${m.mountPoint}, which is not a logical volume` : 'no mount holds it';
  return `cannot tell which logical volume ${source} is on: ${where}${dm ? '' : ' (this system has no device-mapper to ask)'}; give --lvm-srcvol and --lvm-volgroup`;
}

export async function resolveVolume(
  s: LvmSettings,
  source: string,
  mounts: readonly MountEntry[],
  dm: DeviceMapper | null,
  log: Logger,
): Promise<Volume> {
  const inside = s.dirmount !== undefined && isInside(source, s.dirmount);
  const sourceMount = inside ? null : mountOf(source, mounts);
  let vg: string;
  let lv: string | null;
  let how: Volume['how'];
  let origin: string;
  if (s.srcvol !== undefined) {
    const named = lvOfVolumeArg(s.srcvol) ?? (s.volgroup === undefined && dm ? await lvOfPathByDm(s.srcvol, dm, true) : null);
    const group = s.volgroup ?? named?.vg;
    if (group === undefined) throw configError(`cannot tell the volume group of --lvm-srcvol ${s.srcvol}: give --lvm-volgroup`);
    vg = group;
    lv = named?.lv ?? null;
    how = 'options';
    origin = s.srcvol;
  } else {
    if (inside)
      throw configError(
        `--path-to-backup ${source} is inside --lvm-dirmount ${s.dirmount}, where the snapshot is to be mounted: give --lvm-srcvol (the volume to snapshot)`,
      );
    const byDm = dm ? await lvOfPathByDm(source, dm, false) : null;
    const byTable = byDm ? null : sourceMount && lvOfDevicePath(sourceMount.device);
    const found = byDm ?? byTable;
    if (!found) throw configError(guessHelp(source, sourceMount, dm));
    if (s.volgroup !== undefined && s.volgroup !== found.vg)
      throw configError(`${source} is on ${found.vg}/${found.lv}, which is not in --lvm-volgroup ${s.volgroup}`);
    ({ vg, lv } = found);
    how = byDm ? 'device-mapper' : 'mount table';
    origin = `/dev/${vg}/${lv}`;
    log.info(`lvm snapshot: ${source} is on ${vg}/${lv} (from the ${how})`);
  }
  if (sourceMount && lv !== null) {
    const on = lvOfDevicePath(sourceMount.device);
    if (on && (on.vg !== vg || on.lv !== lv))
      throw configError(`--path-to-backup ${source} is on ${on.vg}/${on.lv} (mounted on ${sourceMount.mountPoint}), not on ${vg}/${lv}`);
  }
  const originMount = lv !== null ? mountsOfLv(vg, lv, mounts).at(-1) : undefined;
  const fsType = originMount?.fsType ?? (how !== 'options' ? (sourceMount?.fsType ?? null) : null);
  return { vg, lv, origin, how, sourceMount, fsType };
}

/** Where the source is once the snapshot is mounted on `dir`. */
export function pathInSnapshot(source: string, dir: string, v: Volume): string {
  if (!v.sourceMount) return source;
  return path.join(dir, path.relative(v.sourceMount.mountPoint, source));
}
