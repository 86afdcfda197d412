// The LVM provider's settings from --lvm-* (Freezer's options), checked before anything runs,
// and the snapshot names it makes. Names keep to what LVM accepts, so that no user input
// reaches lvcreate as something other than a name.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { usageError } from '../base/errors.js';
import type { AgentOptions } from '../config/agent-options.js';
import type { DeviceMapper } from './lvm-dm.js';
import { LVM_NAME, lvOfVolumeArg } from './lvm-guess.js';

export interface LvmSettings {
  /** --lvm-srcvol as given (`/dev/vg/lv`, `/dev/mapper/vg-lv`, `vg/lv`); guessed when absent. */
  srcvol?: string;
  /** --lvm-volgroup; guessed with the volume when absent. */
  volgroup?: string;
  /** --lvm-snapname; default: `permafrost_snap_<chain>_<hash>_<random>`. */
  snapname?: string;
  perm: 'ro' | 'rw';
  /** lvcreate --size, or --extents when it holds a `%`. */
  size: string;
  /** --lvm-dirmount; default `<mountBase>/<snapshot name>`. */
  dirmount?: string;
  /** Where default mount directories are made. */
  mountBase: string;
  /** The mount table's text (default: /proc/mounts); tests hand in recorded ones. */
  mountTable: () => Promise<string>;
  /** undefined: the addon's when the kernel has device-mapper; null: none (use lvs). */
  deviceMapper?: DeviceMapper | null;
  /** lvremove (and umount) attempts while the volume is in use, and the wait between them. */
  removeAttempts: number;
  removeWaitMs: number;
}

export const DEFAULT_MOUNT_BASE = '/var/lib/permafrost/lvm';
export const SNAPSHOT_PREFIX = 'permafrost_snap_';

// LVM refuses these inside LV names (its internal layers) and names starting with the others.
const RESERVED_PARTS = /_(cdata|cmeta|corig|cpool|cvol|imeta|iorig|mimage|mlog|pmspare|rimage|rmeta|tdata|tmeta|vdata|vorigin|wcorig)/g;
const RESERVED_START = /^(snapshot|pvmove)/;

/** Why `name` is not an LVM name, or null. */
export function lvmNameProblem(name: string): string | null {
  if (!LVM_NAME.test(name)) return 'only letters, digits and + _ . - are allowed, and it cannot start with -';
  if (name === '.' || name === '..') return 'it cannot be . or ..';
  if (name.length > 64) return 'it is longer than 64 characters';
  RESERVED_PARTS.lastIndex = 0;
  if (RESERVED_PARTS.test(name) || RESERVED_START.test(name)) return 'LVM reserves it for its own volumes';
  return null;
}

const SIZE = /^\d+(\.\d+)?[bBsSkKmMgGtTpPeE]?$/;
const EXTENTS = /^\d+%(VG|FREE|ORIGIN|PVS)$/i;

export function lvmSettingsFrom(opts: AgentOptions): LvmSettings {
  const srcvol = opts.lvm_srcvol || undefined;
  const volgroup = opts.lvm_volgroup || undefined;
  const snapname = opts.lvm_snapname || undefined;
  const dirmount = opts.lvm_dirmount || undefined;
  const size = opts.lvm_snapsize;
  if (!SIZE.test(size) && !EXTENTS.test(size))
    throw usageError(`invalid value for --lvm-snapsize: ${size} (a size such as 1G or 512M, or extents such as 10%ORIGIN)`);
  if (volgroup !== undefined) {
    const why = lvmNameProblem(volgroup);
    if (why) throw usageError(`invalid value for --lvm-volgroup: ${volgroup}: ${why}`);
  }
  if (snapname !== undefined) {
    const why = lvmNameProblem(snapname);
    if (why) throw usageError(`invalid value for --lvm-snapname: ${snapname}: ${why}`);
  }
  if (srcvol !== undefined) {
    const lv = lvOfVolumeArg(srcvol);
    if (!lv && !path.isAbsolute(srcvol))
      throw usageError(`invalid value for --lvm-srcvol: ${srcvol} (a logical volume: /dev/VG/LV, /dev/mapper/VG-LV or VG/LV)`);
    if (lv && volgroup !== undefined && lv.vg !== volgroup)
      throw usageError(`--lvm-srcvol ${srcvol} is in volume group ${lv.vg}, not in --lvm-volgroup ${volgroup}`);
  }
  if (dirmount !== undefined && !path.isAbsolute(dirmount))
    throw usageError(`invalid value for --lvm-dirmount: ${dirmount} (an absolute path)`);
  return {
    srcvol,
    volgroup,
    snapname,
    perm: opts.lvm_snapperm === 'rw' ? 'rw' : 'ro',
    size,
    dirmount: dirmount === undefined ? undefined : path.resolve(dirmount),
    mountBase: DEFAULT_MOUNT_BASE,
    mountTable: () => readFile('/proc/mounts', 'utf8'),
    removeAttempts: 5,
    removeWaitMs: 1000,
  };
}

/**
 * The start of every snapshot name of a chain: the fixed prefix, the chain name made LVM-legal
 * and cut to 24 characters, and a hash of the whole chain name (so two chains that read the
 * same once cut or made legal do not take each other's snapshots for leftovers).
 */
export function chainPrefix(chainName: string): string {
  const legal = chainName
    .replace(/[^A-Za-z0-9+_.-]/g, '_')
    .slice(0, 24)
    .replace(RESERVED_PARTS, '-$1');
  const hash = createHash('sha256').update(chainName).digest('hex').slice(0, 8);
  return `${SNAPSHOT_PREFIX}${legal}_${hash}_`;
}

export const newSnapshotName = (chainName: string) => chainPrefix(chainName) + randomBytes(4).toString('hex');
