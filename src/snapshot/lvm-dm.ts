// Device-mapper facts for the LVM provider, from the addon's DM ioctls: which device is a
// logical volume (UUID prefix "LVM-"), its VG and LV (from the DM name, '-' doubled in each),
// and a snapshot's fill level. Without device-mapper (no /dev/mapper/control) there are no
// answers, and the provider falls back to the mount table and `lvs`.
import { native, type NativeDmDevice } from '../native.js';

export type DmDevice = NativeDmDevice;

/** What the provider asks device-mapper; tests may hand in their own. */
export interface DeviceMapper {
  byDevice(major: number, minor: number): DmDevice | null;
  byName(name: string): DmDevice | null;
}

const DM_NAME_MAX = 127;
const MAX_MAJOR = 0xfff;
const MAX_MINOR = 0xfffff;

export function checkDmName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.includes('\0') || Buffer.byteLength(name) > DM_NAME_MAX)
    throw new RangeError(`a device-mapper name is 1..${DM_NAME_MAX} bytes without NUL: ${JSON.stringify(name)}`);
}

export function checkDmDevice(major: number, minor: number): void {
  const ok = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;
  if (!ok(major, MAX_MAJOR) || !ok(minor, MAX_MINOR) || (major === 0 && minor === 0))
    throw new RangeError(`not a device number: ${major}:${minor}`);
}

/** The addon's device-mapper, or null when this system has none (said once by the caller). */
export function systemDeviceMapper(): DeviceMapper | null {
  // An addon built before these calls existed (a stale prebuild) answers nothing either.
  if (typeof native.dmVersion !== 'function') return null;
  try {
    native.dmVersion();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).errno;
    // ENOENT: no /dev/mapper/control; ENODEV/ENXIO: no driver behind it; EACCES: not root.
    if (code !== undefined) return null;
    throw err;
  }
  return {
    byDevice(major, minor) {
      checkDmDevice(major, minor);
      return native.dmStatus('', major, minor);
    },
    byName(name) {
      checkDmName(name);
      return native.dmStatus(name, 0, 0);
    },
  };
}

/** `st_dev` (as `fs.stat(…, { bigint: true })` gives it) → major and minor, as glibc splits it. */
export function splitDev(dev: bigint): { major: number; minor: number } {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return { major, minor };
}

/**
 * A DM name split as LVM made it: `<vg>-<lv>[-<layer>]`, each part with `-` doubled.
 * null when there is no single `-` (not an LVM name).
 */
export function splitDmName(name: string): { vg: string; lv: string; layer?: string } | null {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < name.length; i++) {
    if (name[i] !== '-') cur += name[i];
    else if (name[i + 1] === '-') {
      cur += '-';
      i++;
    } else {
      parts.push(cur);
      cur = '';
    }
  }
  parts.push(cur);
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) return null;
  return parts.length === 3 ? { vg: parts[0], lv: parts[1], layer: parts[2] } : { vg: parts[0], lv: parts[1] };
}

/** The DM name LVM gives `<vg>/<lv>`. */
export function dmNameOf(vg: string, lv: string): string {
  return `${vg.replaceAll('-', '--')}-${lv.replaceAll('-', '--')}`;
}

/** The VG and LV of a device that is a logical volume itself (not an LVM layer), else null. */
export function lvOfDmDevice(d: DmDevice): { vg: string; lv: string } | null {
  if (!d.uuid.startsWith('LVM-')) return null;
  const split = splitDmName(d.name);
  return split && !split.layer ? { vg: split.vg, lv: split.lv } : null;
}

export type SnapshotFill = { valid: true; percent: number } | { valid: false; why: string };

/** A snapshot's fill level from its `snapshot` target's status line; null when it has none. */
export function snapshotFill(d: DmDevice): SnapshotFill | null {
  const t = d.targets.find((x) => x.type === 'snapshot');
  if (!t) return null;
  return fillOfStatus(t.status);
}

/** The kernel's snapshot status: `<used>/<total> <metadata>` in sectors, `Invalid`, `Overflow`, `Unknown`. */
export function fillOfStatus(status: string): SnapshotFill {
  const m = /^(\d+)\/(\d+)(?: \d+)?$/.exec(status.trim());
  if (m) {
    const used = Number(m[1]);
    const total = Number(m[2]);
    return { valid: true, percent: total > 0 ? (100 * used) / total : 0 };
  }
  if (status.trim() === 'Invalid') return { valid: false, why: 'it filled up and device-mapper marked it Invalid' };
  if (status.trim() === 'Overflow') return { valid: false, why: 'it overflowed (device-mapper status Overflow)' };
  return { valid: false, why: `device-mapper reports its status as ${JSON.stringify(status)}` };
}
