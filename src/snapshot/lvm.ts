// The LVM snapshot provider (--snapshot with --lvm-*): finds the volume (lvm-volume.ts),
// removes this chain's leftovers of killed runs (lvm-leftovers.ts), then lvcreate --snapshot,
// mount (read-only by default; nouuid added for xfs), and hands the backup the source's place
// in the mounted snapshot. check() reads the fill level (lvm-fill.ts); release() takes it all
// down (lvm-remove.ts). Every program gets an argv array (lvm-commands.ts), never a shell.
import { mkdir, readFile, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { configError, sourceError } from '../base/errors.js';
import { onInterrupt } from '../base/interrupt.js';
import { silentLogger, type Logger } from '../base/log.js';
import { blkidArgs, lvcreateArgs, mountArgs, run } from './lvm-commands.js';
import { lvOfDmDevice, splitDev, systemDeviceMapper, type DeviceMapper } from './lvm-dm.js';
import { checkFill } from './lvm-fill.js';
import { lvOfDevicePath, mountOf, parseMountTable } from './lvm-guess.js';
import { removeLeftovers } from './lvm-leftovers.js';
import { teardownOrWarn, type Teardown } from './lvm-remove.js';
import { chainPrefix, newSnapshotName, type LvmSettings } from './lvm-settings.js';
import { pathInSnapshot, resolveVolume } from './lvm-volume.js';
import type { PointInTime, SnapshotProvider, SnapshotRequest } from './types.js';

export { lvmSettingsFrom, type LvmSettings } from './lvm-settings.js';

function deviceMapperOf(s: { deviceMapper?: DeviceMapper | null }, log?: Logger): DeviceMapper | null {
  if (s.deviceMapper !== undefined) return s.deviceMapper;
  const dm = systemDeviceMapper();
  if (!dm) log?.debug('lvm snapshot: no device-mapper here (/dev/mapper/control); using the mount table and lvs');
  return dm;
}

/** Makes `dir` if it is missing; resolves whether it was made here (and so is ours to remove). */
async function makeMountDir(dir: string): Promise<boolean> {
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) throw configError(`the snapshot mount point ${dir} is not a directory`);
    return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(path.dirname(dir), { recursive: true });
  await mkdir(dir);
  return true;
}

async function fsTypeOf(device: string, log: Logger): Promise<string | null> {
  try {
    const r = await run('blkid', blkidArgs(device), log);
    return r.code === 0 && /^[\w.-]+$/.test(r.stdout.trim()) ? r.stdout.trim() : null;
  } catch {
    return null;
  }
}

export function createLvmProvider(settings: LvmSettings): SnapshotProvider {
  return {
    kind: 'lvm',
    async take(req: SnapshotRequest): Promise<PointInTime> {
      const log = req.log;
      const dm = deviceMapperOf(settings, log);
      let mounts = parseMountTable(await settings.mountTable());
      const vol = await resolveVolume(settings, req.source, mounts, dm, log);
      const removed = await removeLeftovers({
        vg: vol.vg,
        originLv: vol.lv,
        prefix: settings.snapname === undefined ? chainPrefix(req.chainName) : null,
        snapname: settings.snapname ?? null,
        mounts,
        settings,
        log,
      });
      if (removed > 0) mounts = parseMountTable(await settings.mountTable());
      const name = settings.snapname ?? newSnapshotName(req.chainName);
      const dir = settings.dirmount ?? path.join(settings.mountBase, name);
      const busy = mounts.filter((m) => m.mountPoint === dir).at(-1);
      if (busy) throw configError(`the snapshot mount point ${dir} already has ${busy.device} mounted on it`);
      const made = await makeMountDir(dir);
      const t: Teardown = {
        vg: vol.vg,
        name,
        mounted: [],
        madeDirs: made ? [dir] : [],
        attempts: settings.removeAttempts,
        waitMs: settings.removeWaitMs,
        log,
      };
      const created = await run('lvcreate', lvcreateArgs({ size: settings.size, perm: settings.perm, name, origin: vol.origin }), log);
      if (created.code !== 0) {
        if (made) await rmdir(dir).catch(() => {});
        throw sourceError(
          `LVM snapshot: lvcreate of ${vol.vg}/${name} from ${vol.origin} (${vol.how === 'options' ? 'given' : `guessed from the ${vol.how}`}) failed: ${created.stderr || `exit ${created.code}`}`,
        );
      }
      // From here on the snapshot exists: an interrupted run takes it down before it exits.
      let released: Promise<void> | null = null;
      let forget = () => {};
      const release = () =>
        (released ??= teardownOrWarn(t, 'the snapshot').then(
          () => forget(),
          () => forget(),
        ));
      forget = onInterrupt(release);
      try {
        const device = `/dev/${vol.vg}/${name}`;
        const fsType = vol.fsType ?? (await fsTypeOf(device, log));
        const mounted = await run('mount', mountArgs({ fsType, perm: settings.perm, device, dir }), log);
        if (mounted.code !== 0)
          throw sourceError(`LVM snapshot: mount of ${device} on ${dir} failed: ${mounted.stderr || `exit ${mounted.code}`}`);
        t.mounted.push(dir);
        const at = pathInSnapshot(req.source, dir, vol);
        try {
          await stat(at);
        } catch {
          throw configError(
            `--path-to-backup ${req.source} is not in the snapshot of ${vol.vg}/${vol.lv ?? vol.origin} (no ${at}): is it on that volume?`,
          );
        }
        log.info(`lvm snapshot: ${vol.vg}/${name} of ${vol.origin} mounted on ${dir}; backing up ${at}`);
        return {
          path: at,
          details: {
            provider: 'lvm',
            volume_group: vol.vg,
            origin: vol.origin,
            snapshot: `${vol.vg}/${name}`,
            mount: dir,
            size: settings.size,
            permission: settings.perm,
            fs_type: fsType,
            found_by: vol.how,
          },
          check: async () => {
            await checkFill({ vg: vol.vg, name, size: settings.size, dm, log });
          },
          release,
        };
      } catch (err) {
        await release();
        throw err;
      }
    },
  };
}

/**
 * Whether `p` is on a logical volume (for --snapshot auto): device-mapper's UUID says so when
 * it can be asked; else the mount table names an LV device and `lvs` knows it. Never throws.
 */
export async function isLogicalVolume(
  p: string,
  opts: { mountTable?: () => Promise<string>; deviceMapper?: DeviceMapper | null; log?: Logger } = {},
): Promise<boolean> {
  try {
    const dm = deviceMapperOf(opts, opts.log);
    if (dm) {
      const s = await stat(p, { bigint: true });
      const { major, minor } = splitDev(s.dev);
      const d = dm.byDevice(major, minor);
      return d !== null && lvOfDmDevice(d) !== null;
    }
    const text = opts.mountTable ? await opts.mountTable() : await readFile('/proc/mounts', 'utf8');
    const m = mountOf(path.resolve(p), parseMountTable(text));
    const lv = m && lvOfDevicePath(m.device);
    if (!lv) return false;
    const r = await run('lvs', ['--noheadings', '-o', 'lv_name', `${lv.vg}/${lv.lv}`], opts.log ?? silentLogger);
    return r.code === 0;
  } catch {
    return false;
  }
}
