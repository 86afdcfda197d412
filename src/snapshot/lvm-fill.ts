// Whether the snapshot is still valid: a snapshot whose room for changes (--lvm-snapsize)
// filled up while it was read is dropped by device-mapper ("Invalid"), and what was read from
// it is not the point in time. From device-mapper's status line when it can be asked, else
// from `lvs` (state letter I, or 100% used).
import { sourceError } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import { lvsFillArgs, run } from './lvm-commands.js';
import { dmNameOf, snapshotFill, type DeviceMapper, type SnapshotFill } from './lvm-dm.js';

/** `lvs --noheadings -o lv_attr,data_percent` → the fill; null when it says nothing usable. */
export function fillOfLvs(text: string): SnapshotFill | null {
  const [attr, percent] = text.trim().split(/\s+/);
  if (!attr || attr.length < 5) return null;
  if (attr[4] === 'I') return { valid: false, why: 'lvs reports it invalid (it filled up)' };
  const p = Number(percent);
  if (percent === undefined || !Number.isFinite(p)) return null;
  if (p >= 100) return { valid: false, why: 'lvs reports it 100% full' };
  return { valid: true, percent: p };
}

export async function checkFill(o: {
  vg: string;
  name: string;
  size: string;
  dm: DeviceMapper | null;
  log: Logger;
}): Promise<SnapshotFill> {
  let fill: SnapshotFill | null = null;
  let from = 'device-mapper';
  const dmName = dmNameOf(o.vg, o.name);
  if (o.dm && Buffer.byteLength(dmName) <= 127) {
    const d = o.dm.byName(dmName);
    if (!d)
      throw sourceError(
        `LVM snapshot ${o.vg}/${o.name} is gone (device-mapper has no ${dmName}): the backup read from a snapshot that was removed`,
      );
    fill = snapshotFill(d);
  }
  if (!fill) {
    from = 'lvs';
    const r = await run('lvs', lvsFillArgs(o.vg, o.name), o.log);
    if (r.code !== 0)
      throw sourceError(`LVM snapshot ${o.vg}/${o.name}: cannot check how full it is: lvs failed: ${r.stderr || `exit ${r.code}`}`);
    fill = fillOfLvs(r.stdout);
    if (!fill)
      throw sourceError(`LVM snapshot ${o.vg}/${o.name}: cannot check how full it is: lvs said ${JSON.stringify(r.stdout.trim())}`);
  }
  if (!fill.valid)
    throw sourceError(
      `LVM snapshot ${o.vg}/${o.name} became invalid while it was read: ${fill.why}. ` +
        `The backup would not be a consistent copy, so it fails; give the snapshot more room with --lvm-snapsize (now ${o.size})`,
    );
  o.log.info(`lvm snapshot: ${o.vg}/${o.name} is valid, ${fill.percent.toFixed(1)}% of its room used (${from})`);
  return fill;
}
