// Each file written once: before a chain is extracted, its levels' snapshots say which
// members a later level writes again or removes (engines/tar/superseded.ts), and those are not
// written. Only for the tar engine (an rsync delta patches the previous level's file) and a
// real restore of more than one level; anything in the way means extracting every level in
// full, as tar does, which is always right.
import type { Logger } from '../base/log.js';
import type { Member } from '../catalog/chains.js';
import { readEngineMetadata } from '../catalog/engine-metadata.js';
import type { AgentOptions } from '../config/agent-options.js';
import { parseSnapshot } from '../engines/tar/snapshot.js';
import { planSuperseded, type SupersededPlan } from '../engines/tar/superseded.js';
import type { Storage } from '../storage/storage.js';

export async function planSkips(
  opts: AgentOptions,
  storage: Storage,
  members: Member[],
  password: Buffer | null,
  log: Logger,
): Promise<SupersededPlan | null> {
  if (opts.dry_run || opts.engine_name !== 'tar' || members.length < 2) return null;
  let plan: SupersededPlan | null;
  try {
    const snapshots = await Promise.all(members.map(async (m) => parseSnapshot(await readEngineMetadata(storage, m, password))));
    plan = planSuperseded(snapshots);
  } catch (err) {
    log.info(`every level is extracted in full: the levels' snapshots cannot be read (${(err as Error).message})`);
    return null;
  }
  if (!plan) log.info('every level is extracted in full: the snapshots do not tell which members a later level replaces');
  return plan;
}

export function skippedCount(plan: SupersededPlan | null): number {
  return plan ? plan.skip.reduce((n, s) => n + s.size, 0) : 0;
}
