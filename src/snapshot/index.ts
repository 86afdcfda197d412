// The point in time a backup reads: a snapshot (--snapshot) taken while the --mode's database
// is quiesced, else the mode's hot copy, else the source as it is. Freezer's order
// (docs/FREEZER.md): the mode is prepared, the snapshot taken under it, the mode released;
// unlike Freezer, a failure while taking the snapshot leaves nothing behind.
import type { AgentOptions } from '../config/agent-options.js';
import type { Logger } from '../base/log.js';
import { openMode } from './modes/index.js';
import { snapshotChoice } from './choice.js';
import { chooseProvider } from './providers.js';
import type { PointInTime, SnapshotRequest } from './types.js';

export type { PointInTime } from './types.js';

/** The source itself: nothing to check or release. */
export function plainSource(source: string, details: Record<string, unknown> = {}): PointInTime {
  return { path: source, details, check: async () => {}, release: async () => {} };
}

/**
 * `source` is the real path of --path-to-backup; `chainName` the chain's lock name. The caller
 * releases the result on every exit path (and on an interrupt).
 */
export async function takePointInTime(opts: AgentOptions, source: string, chainName: string, log: Logger): Promise<PointInTime> {
  const choice = snapshotChoice(opts);
  // Chosen before the mode connects to anything: a wrong --snapshot fails first.
  const provider = choice ? await chooseProvider(choice, source, opts) : null;
  const mode = await openMode(opts, log);
  try {
    await mode.prepare();
    const req: SnapshotRequest = { source, chainName, log };
    if (opts.dry_run) {
      if (provider) log.info(`dry run: no ${provider.kind} snapshot taken; the source is read as it is`);
      return plainSource(source);
    }
    if (!provider) return (await mode.hotCopy(req)) ?? plainSource(source);
    let taken: PointInTime | null = null;
    try {
      const { value, details } = await mode.quiesce(async () => (taken = await provider.take(req)));
      return {
        path: value.path,
        details: { ...value.details, mode: mode.name, ...details },
        exclude: value.exclude,
        check: () => value.check(),
        release: () => value.release(),
      };
    } catch (err) {
      // The mode failed after the snapshot was taken (releasing its lock): no snapshot stays.
      await (taken as PointInTime | null)?.release();
      throw err;
    }
  } finally {
    await mode.close();
  }
}
