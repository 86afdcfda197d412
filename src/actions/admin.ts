// `--action admin`: retention. Metadata goes first so a half-removed backup is invisible.
// It also removes data that no metadata points to, older than the cutoff: what a backup left
// when it failed while its storage was unreachable (so it could not clean up after itself).
// Such data is never listed or restored; only its space is reclaimed here. A backup still
// uploading has no metadata either, so nothing younger than a day is ever taken for an orphan.
import type { Storage } from '../storage/storage.js';
import type { AgentOptions } from '../config/agent-options.js';
import type { Logger } from '../base/log.js';
import { listChains } from '../catalog/chains.js';
import { dataPrefix, chainNameOf, memberDataDir, memberMetadataDir, metadataPrefix, parseMemberName } from '../catalog/layout.js';
import { planRemoval } from '../catalog/retention.js';
import { withChainLock } from './chain-lock.js';
import { parseLocalDate, formatLocalDate } from '../catalog/dates.js';

export interface AdminResult {
  removed: string[];
  /** Data directories of backups that never completed. */
  orphans: string[];
}

const ORPHAN_GRACE_S = 86_400;

/** `data/<engine>/<chainName>/<chainStart>/<level>_<ts>` directories without metadata, from before `cutoff`. */
async function orphanedData(storage: Storage, engine: string, chainName: string, cutoff: number): Promise<string[]> {
  const out: string[] = [];
  const withMetadata = new Set(await storage.list(metadataPrefix(engine, chainName)));
  for (const chainStart of await storage.list(dataPrefix(engine, chainName))) {
    const described = withMetadata.has(chainStart)
      ? new Set(await storage.list(`${metadataPrefix(engine, chainName)}/${chainStart}`))
      : new Set<string>();
    for (const member of await storage.list(`${dataPrefix(engine, chainName)}/${chainStart}`)) {
      const id = parseMemberName(member);
      if (id && id.ts < cutoff && !described.has(member)) out.push(`${dataPrefix(engine, chainName)}/${chainStart}/${member}`);
    }
  }
  return out;
}

export async function runAdmin(opts: AgentOptions, storage: Storage, log: Logger): Promise<AdminResult> {
  return withChainLock(storage, opts, 'admin', log, () => removeUnderLock(opts, storage, log));
}

async function removeUnderLock(opts: AgentOptions, storage: Storage, log: Logger): Promise<AdminResult> {
  const chainName = chainNameOf(opts.hostname, opts.backup_name!);
  const cutoff =
    opts.remove_from_date !== undefined
      ? parseLocalDate('remove-from-date', opts.remove_from_date)
      : Math.floor(Date.now() / 1000 - opts.remove_older_than! * 86400);
  const plan = planRemoval(await listChains(storage, opts.engine_name, chainName), cutoff);
  const removed: string[] = [];
  const verb = opts.dry_run ? 'would remove' : 'removing';
  for (const chain of plan.chains) {
    log.info(`${verb} chain ${chain.chainStart} (${chain.members.length} backups, all older than ${formatLocalDate(cutoff)})`);
    removed.push(...chain.members.map((m) => `${chain.chainStart}/${m.level}_${m.ts}`));
    if (opts.dry_run) continue;
    await storage.remove(`${metadataPrefix(opts.engine_name, chainName)}/${chain.chainStart}`);
    await storage.remove(`${dataPrefix(opts.engine_name, chainName)}/${chain.chainStart}`);
  }
  for (const m of plan.members) {
    log.info(`${verb} backup ${m.chainStart}/${m.level}_${m.ts} (older than the cutoff and needed by no kept backup)`);
    removed.push(`${m.chainStart}/${m.level}_${m.ts}`);
    if (opts.dry_run) continue;
    await storage.remove(memberMetadataDir(m));
    await storage.remove(memberDataDir(m));
  }
  const orphans = await orphanedData(
    storage,
    opts.engine_name,
    chainName,
    Math.min(cutoff, Math.floor(Date.now() / 1000) - ORPHAN_GRACE_S),
  );
  for (const dir of orphans) {
    log.warn(`${verb} ${dir}: data without metadata (a backup that did not complete)`);
    if (!opts.dry_run) await storage.remove(dir);
  }
  return { removed, orphans };
}
