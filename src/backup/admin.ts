// `--action admin`: retention. Metadata goes first so a half-removed backup is invisible.
import type { Storage } from '../storage/storage.js';
import type { AgentOptions } from '../config/agent-options.js';
import type { Logger } from '../cli/log.js';
import { listChains } from './chains.js';
import { dataPrefix, hbnOf, memberDataDir, memberMetadataDir, metadataPrefix } from './layout.js';
import { planRemoval } from './retention.js';
import { parseLocalDate, formatLocalDate } from './dates.js';

export interface AdminResult {
  removed: string[];
}

export async function runAdmin(o: AgentOptions, storage: Storage, log: Logger): Promise<AdminResult> {
  const hbn = hbnOf(o.hostname, o.backup_name!);
  const cutoff = o.remove_from_date !== undefined
    ? parseLocalDate('remove-from-date', o.remove_from_date)
    : Math.floor(Date.now() / 1000 - o.remove_older_than! * 86400);
  const plan = planRemoval(await listChains(storage, o.engine_name, hbn), cutoff);
  const removed: string[] = [];
  const verb = o.dry_run ? 'would remove' : 'removing';
  for (const chain of plan.chains) {
    log.info(`${verb} chain ${chain.l0} (${chain.members.length} backups, all older than ${formatLocalDate(cutoff)})`);
    removed.push(...chain.members.map((m) => `${chain.l0}/${m.level}_${m.ts}`));
    if (o.dry_run) continue;
    await storage.remove(`${metadataPrefix(o.engine_name, hbn)}/${chain.l0}`);
    await storage.remove(`${dataPrefix(o.engine_name, hbn)}/${chain.l0}`);
  }
  for (const m of plan.members) {
    log.info(`${verb} backup ${m.l0}/${m.level}_${m.ts} (older than the cutoff and needed by no kept backup)`);
    removed.push(`${m.l0}/${m.level}_${m.ts}`);
    if (o.dry_run) continue;
    await storage.remove(memberMetadataDir(m));
    await storage.remove(memberDataDir(m));
  }
  return { removed };
}
