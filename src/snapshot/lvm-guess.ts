// Which logical volume a path is on, from the mount table (/proc/mounts) when device-mapper
// cannot say. Freezer's guess (docs/FREEZER.md §7) missed names under 3 characters, the
// /dev/<vg>/<lv> form and mount points with spaces; this one reads both device forms, undoes
// LVM's `--` escaping and /proc/mounts' octal escapes. It is a guess: lvcreate confirms it.
import path from 'node:path';
import { splitDmName } from './lvm-dm.js';

export interface MountEntry {
  device: string;
  mountPoint: string;
  fsType: string;
  options: string;
}

/** /proc/mounts writes space, tab, newline and backslash as \040, \011, \012, \134. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** /proc/mounts (or /etc/mtab) text → its entries, in order. Malformed lines are left out. */
export function parseMountTable(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/[ \t]+/);
    if (f.length < 4 || f[0].startsWith('#')) continue;
    out.push({ device: unescapeMountField(f[0]), mountPoint: unescapeMountField(f[1]), fsType: f[2], options: f[3] });
  }
  return out;
}

/** Whether `p` is `dir` or inside it (both absolute and normalised). */
export function isInside(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The mount `p` is on: the entry with the longest mount point that holds it; of several on one
 * mount point the last (the one mounted over the others).
 */
export function mountOf(p: string, entries: readonly MountEntry[]): MountEntry | null {
  let best: MountEntry | null = null;
  for (const e of entries) {
    if (!path.isAbsolute(e.mountPoint) || !isInside(p, e.mountPoint)) continue;
    if (!best || e.mountPoint.length >= best.mountPoint.length) best = e;
  }
  return best;
}

// Two-component names under /dev that are not volume groups.
const NOT_VGS = new Set([
  'mapper',
  'disk',
  'md',
  'block',
  'char',
  'bus',
  'cciss',
  'ida',
  'rd',
  'rbd',
  'zvol',
  'drbd',
  'bcache',
  'loop',
  'nbd',
  'vfio',
  'net',
  'pts',
  'shm',
  'input',
  'snd',
  'dri',
  'fd',
  'cpu',
  'hugepages',
  'mqueue',
]);

export const LVM_NAME = /^[A-Za-z0-9+_.][A-Za-z0-9+_.-]*$/;

/** `/dev/mapper/<vg>-<lv>` or `/dev/<vg>/<lv>` → VG and LV; null for any other device. */
export function lvOfDevicePath(device: string): { vg: string; lv: string } | null {
  const mapper = /^\/dev\/mapper\/([^/]+)$/.exec(device);
  if (mapper) {
    const split = splitDmName(mapper[1]);
    if (!split || split.layer) return null;
    return LVM_NAME.test(split.vg) && LVM_NAME.test(split.lv) ? { vg: split.vg, lv: split.lv } : null;
  }
  const vgForm = /^\/dev\/([^/]+)\/([^/]+)$/.exec(device);
  if (vgForm && !NOT_VGS.has(vgForm[1]) && LVM_NAME.test(vgForm[1]) && LVM_NAME.test(vgForm[2])) {
    return { vg: vgForm[1], lv: vgForm[2] };
  }
  return null;
}

/** `vg/lv`, `/dev/vg/lv` or `/dev/mapper/vg-lv` (--lvm-srcvol's forms) → VG and LV. */
export function lvOfVolumeArg(volume: string): { vg: string; lv: string } | null {
  const plain = /^([^/]+)\/([^/]+)$/.exec(volume);
  if (plain) return LVM_NAME.test(plain[1]) && LVM_NAME.test(plain[2]) ? { vg: plain[1], lv: plain[2] } : null;
  return lvOfDevicePath(volume);
}

/** The mount entries whose device is `<vg>/<lv>` (in either device form). */
export function mountsOfLv(vg: string, lv: string, entries: readonly MountEntry[]): MountEntry[] {
  return entries.filter((e) => {
    const x = lvOfDevicePath(e.device);
    return x !== null && x.vg === vg && x.lv === lv;
  });
}
