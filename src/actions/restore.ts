// Restore: pick the chain and its members deterministically, check the password before any
// data is read, then per level storage → verify segments → decrypt → decompress → extract
// into a staging directory that replaces the target only when everything succeeded.
import path from 'node:path';
import { integrityError, noBackupError } from '../base/errors.js';
import { extractTar } from '../engines/tar/index.js';
import { CODEC_OUT_SIZE, isCodecName } from '../codecs/index.js';
import { ChunkPool } from '../bytes/chunk-pool.js';
import { deltaMembers } from '../engines/rsync/index.js';
import { readPassword } from '../crypto/keys.js';
import { readArchive } from '../pipeline/read-archive.js';
import { countBytes, progressShown, startProgress } from '../pipeline/progress.js';
import type { Storage } from '../storage/storage.js';
import type { AgentOptions } from '../config/agent-options.js';
import type { Logger } from '../base/log.js';
import { listChains, restorePath, Member } from '../catalog/chains.js';
import { dataPath, chainNameOf } from '../catalog/layout.js';
import { permafrostInfo } from '../catalog/metadata.js';
import { keysForMember, type MemberKeys } from '../catalog/member-keys.js';
import { formatLocalDate, parseLocalDate } from '../catalog/dates.js';
import { checkTarget, commitStaging, createStaging, discardStaging } from './staging.js';
import { RestoreProgress } from './restore-progress.js';
import { verifyConsistency } from './consistency.js';
import { planSkips, skippedCount } from './restore-skips.js';
import type { SupersededPlan } from '../engines/tar/superseded.js';

export interface RestorePlan {
  members: Member[];
}

/** What a restore did, for its summary. */
export interface RestoreResult extends RestorePlan {
  target: string;
  dryRun: boolean;
  /** Non-directory members written, over all the levels (one a later level replaces is skipped when the snapshots allow). */
  files: number;
  /** Directories of the restored tree (every level lists them all: the last level's count). */
  directories: number;
  bytesWritten: number;
  /** Bytes read from the storage. */
  storedBytes: number;
  durationMs: number;
}

export async function planRestore(opts: AgentOptions, storage: Storage): Promise<RestorePlan> {
  const chainName = chainNameOf(opts.hostname, opts.backup_name!);
  const until = opts.restore_from_date ? parseLocalDate('restore-from-date', opts.restore_from_date) : Infinity;
  const chains = (await listChains(storage, opts.engine_name, chainName)).filter((c) => c.chainStart <= until);
  const chain = chains[chains.length - 1];
  const when = opts.restore_from_date ? ` at or before ${opts.restore_from_date}` : '';
  if (!chain) throw noBackupError(`no backup named "${chainName}" (engine ${opts.engine_name})${when} in ${storage.name}`);
  const candidates = chain.members.filter((m) => m.ts <= until);
  return { members: restorePath(chain, candidates[candidates.length - 1]) };
}

function memberStream(
  storage: Storage,
  m: Member,
  keys: MemberKeys | null,
  threads: number,
  counters: { bytes: number },
  pool: ChunkPool,
): AsyncIterable<Buffer> {
  const what = `backup ${m.level}_${m.ts}`;
  const codec = m.meta.compression ?? 'gzip';
  if (!isCodecName(codec)) throw integrityError(`${what} uses unknown compression "${codec}"`);
  return readArchive({
    stored: countBytes(storage.get(dataPath(m)), counters),
    digest: permafrostInfo(m.meta)?.data ?? null,
    hmacKey: keys?.fixed?.hmacKey ?? null,
    keysForSalt: keys ? keys.forSalt : null,
    codec,
    threads,
    what,
    pool,
  });
}

export async function runRestore(opts: AgentOptions, storage: Storage, log: Logger): Promise<RestoreResult> {
  const started = Date.now();
  const plan = await planRestore(opts, storage);
  const target = path.resolve(opts.restore_abs_path!);
  const password = opts.encrypt_pass_file ? readPassword(opts.encrypt_pass_file) : null;
  const keys = plan.members.map((m) => keysForMember(m, password));
  const state = await checkTarget(target, opts.overwrite);
  const counters = new RestoreProgress(plan.members);
  const skips = await planSkips(opts, storage, plan.members, password, log);
  counters.willSkip(skippedCount(skips));
  let staging = opts.dry_run ? target : await createStaging(target);
  const stopProgress = progressShown(opts.quiet) ? startProgress('restore', counters) : () => {};
  let done: Extracted;
  try {
    const levels = { opts, storage, plan, keys, counters, log };
    let extracted = await extractLevels(levels, staging, skips);
    if (!extracted) {
      log.info('a level did not hold what skipping members counted on: restoring again, every level in full');
      await discardStaging(staging);
      staging = await createStaging(target);
      counters.restart();
      extracted = (await extractLevels(levels, staging, null))!;
    }
    done = extracted;
    // Before the commit: a tree that does not match never replaces the target.
    await verifyConsistency(opts, staging, target, log);
    if (!opts.dry_run) {
      counters.committing = 'committing the staging directory';
      await commitStaging(staging, target, state);
    }
  } catch (err) {
    if (!opts.dry_run) await discardStaging(staging);
    throw err;
  } finally {
    stopProgress();
  }
  log.info(`restore complete: ${plan.members.length} level(s) into ${target}`);
  return { ...plan, ...done, target, dryRun: opts.dry_run, storedBytes: counters.bytes, durationMs: Date.now() - started };
}

interface Extracted {
  files: number;
  directories: number;
  bytesWritten: number;
}

interface Levels {
  opts: AgentOptions;
  storage: Storage;
  plan: RestorePlan;
  keys: (MemberKeys | null)[];
  counters: RestoreProgress;
  log: Logger;
}

/** Every level into `staging`; null when the skips did not hold (then start again without). */
async function extractLevels(l: Levels, staging: string, skips: SupersededPlan | null): Promise<Extracted | null> {
  const { opts, counters } = l;
  const done = { files: 0, directories: 0, bytesWritten: 0 };
  // The decompressed chunks go round between the decompressor and the extractor.
  const pool = new ChunkPool(CODEC_OUT_SIZE, 8);
  for (const [i, m] of l.plan.members.entries()) {
    l.log.info(`restoring level ${m.level} (${m.level}_${m.ts}, ${formatLocalDate(m.ts)})`);
    const stats = await extractTar(memberStream(l.storage, m, l.keys[i], opts.threads, counters, pool), staging, {
      sameOwner: process.getuid?.() === 0,
      dryRun: opts.dry_run,
      stats: counters.nextLevel(),
      memberHook: opts.engine_name === 'rsync' ? deltaMembers : undefined,
      skip: skips?.skip[i],
      needed: skips?.needed[i],
      recycle: pool,
    });
    if (stats.skipsFailed) return null;
    done.files += stats.files;
    done.directories = stats.directories;
    done.bytesWritten += stats.bytesWritten;
    for (const w of stats.warnings) l.log.warn(w);
  }
  return done;
}
