// One backup: choose the level under the chain's lock, run the engine into the pipeline's
// stages (pipeline/store-archive.ts) to storage, then engine_metadata, then `metadata` last
// (a backup without it does not exist).
import fs from 'node:fs/promises';
import path from 'node:path';
import { sourceError } from '../base/errors.js';
import type { TarBackupStats } from '../engines/tar/index.js';
import { startEngine, type EngineResult } from './backup-engines.js';
import { resolveLevel } from '../codecs/registry.js';
import { keyCheck, newKeys, readPassword, CipherKeys } from '../crypto/keys.js';
import { syncFilesystem } from './sync.js';
import { archiveChunks, storeArchive } from '../pipeline/store-archive.js';
import type { StreamDigest } from '../crypto/integrity.js';
import { progressShown } from '../pipeline/progress.js';
import { BackupProgress } from './backup-progress.js';
import type { Storage } from '../storage/storage.js';
import type { AgentOptions } from '../config/agent-options.js';
import type { Logger } from '../base/log.js';
import { VERSION } from '../base/version.js';
import { listChains, Chain } from '../catalog/chains.js';
import { chooseLevel } from '../catalog/levels.js';
import {
  BackupId,
  dataPath,
  dataPrefix,
  engineMetadataPath,
  chainNameOf,
  metadataPath,
  metadataPrefix,
  parseMemberName,
} from '../catalog/layout.js';
import { chainLockName, withChainLock } from './chain-lock.js';
import { excludesFor, withPointInTime } from './point-in-time.js';
import type { PointInTime } from '../snapshot/index.js';
import { snapshotChoice } from '../snapshot/choice.js';
import { backupConsistency } from './consistency.js';
import { buildMetadata, serializeMetadata, EncryptionInfo, PermafrostBackupInfo } from '../catalog/metadata.js';
import { readEngineMetadata, sealEngineMetadata, type SealedEngineMetadata } from '../catalog/engine-metadata.js';

export interface BackupResult {
  id: BackupId;
  info: PermafrostBackupInfo;
}

async function resolveSource(p: string): Promise<string> {
  try {
    const real = await fs.realpath(p);
    await fs.access(real, fs.constants.R_OK);
    return real;
  } catch (err) {
    throw sourceError(`cannot read --path-to-backup ${p}: ${(err as Error).message}`, err);
  }
}

/**
 * Freezer's README form of an LVM backup: --path-to-backup inside --lvm-dirmount, where the
 * snapshot is mounted; it exists only once the snapshot is, so it is taken as given (the LVM
 * provider checks it against the mount).
 */
function insideLvmMount(opts: AgentOptions): string | null {
  if (!opts.lvm_dirmount || snapshotChoice(opts) !== 'lvm') return null;
  const p = path.resolve(opts.path_to_backup!);
  const rel = path.relative(path.resolve(opts.lvm_dirmount), p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)) ? p : null;
}

/**
 * Freezer names backups by the second: now, or the next second that no backup of this name
 * has taken, nor any data without metadata (an upload under way or one that died). Later than
 * every member, so the newest member is the last one made.
 */
async function freeTimestamp(
  storage: Storage,
  engine: string,
  chainName: string,
  chains: Chain[],
  chainStart: number | null,
): Promise<number> {
  const newest = Math.max(0, ...chains.flatMap((c) => c.members.map((m) => m.ts)));
  const taken = new Set<number>();
  const takenIn = async (prefix: string, tsOf: (name: string) => number | undefined) => {
    for (const name of await storage.list(prefix)) {
      const ts = tsOf(name);
      if (ts !== undefined) taken.add(ts);
    }
  };
  if (chainStart === null) {
    // A new chain is named by its level 0's time stamp.
    for (const prefix of [dataPrefix(engine, chainName), metadataPrefix(engine, chainName)])
      await takenIn(prefix, (n) => (/^\d+$/.test(n) ? Number(n) : undefined));
  } else {
    await takenIn(`${dataPrefix(engine, chainName)}/${chainStart}`, (n) => parseMemberName(n)?.ts);
  }
  let ts = Math.max(Math.floor(Date.now() / 1000), newest + 1);
  while (taken.has(ts)) ts += 1;
  return ts;
}

function encryptionInfo(keys: CipherKeys): EncryptionInfo {
  return {
    cipher: 'aes-256-cfb',
    kdf: keys.kdf,
    md: 'sha256',
    iterations: keys.iterations,
    salt: keys.salt.toString('hex'),
    key_check: keyCheck(keys),
  };
}

async function putBuffer(storage: Storage, p: string, data: Buffer): Promise<void> {
  await storage.put(p, async function* () {
    yield data;
  });
}

export async function runBackup(opts: AgentOptions, storage: Storage, log: Logger): Promise<BackupResult> {
  return withChainLock(storage, opts, 'backup', log, async () => {
    const started = new Date();
    const inMount = insideLvmMount(opts);
    const source = inMount ?? (await resolveSource(opts.path_to_backup!));
    if (opts.sync && !opts.dry_run && !inMount) syncFilesystem(source, log);
    return withPointInTime(opts, source, chainLockName(opts), log, (pit) => backupUnderLock(opts, storage, log, started, source, pit));
  });
}

/** `source` is --path-to-backup's real path (what metadata names); the engine reads `pit.path`. */
async function backupUnderLock(
  opts: AgentOptions,
  storage: Storage,
  log: Logger,
  started: Date,
  source: string,
  pit: PointInTime,
): Promise<BackupResult> {
  const chainName = chainNameOf(opts.hostname, opts.backup_name!);
  const chains = await listChains(storage, opts.engine_name, chainName);
  const decision = chooseLevel(
    chains,
    {
      noIncremental: opts.no_incremental,
      maxLevel: opts.max_level,
      alwaysLevel: opts.always_level,
      restartAlwaysLevelDays: opts.restart_always_level,
    },
    Math.floor(Date.now() / 1000),
  );
  const ts = await freeTimestamp(storage, opts.engine_name, chainName, chains, decision.chain ? decision.chain.chainStart : null);
  const id: BackupId = {
    engine: opts.engine_name,
    chainName,
    chainStart: decision.chain ? decision.chain.chainStart : ts,
    level: decision.level,
    ts,
  };
  log.info(`backup ${path.join(opts.container, metadataPath(id))}: level ${id.level} (${decision.reason})`);

  const password = opts.encrypt_pass_file ? readPassword(opts.encrypt_pass_file) : null;
  const previousEngineMetadata = decision.parent ? await readEngineMetadata(storage, decision.parent, password) : null;
  const keys = password ? newKeys(password, opts.encrypt_kdf, opts.encrypt_iter) : null;
  // The checksum describes what the engine reads: the point in time, with the same excludes.
  const engineOpts = excludesFor(opts, pit);
  const consistency = await backupConsistency(engineOpts, pit.path, log);
  const live = {} as TarBackupStats;
  const chunks = archiveChunks();
  const progress = new BackupProgress(live, progressShown(opts.quiet));
  const engine = startEngine(engineOpts, pit.path, previousEngineMetadata, live, chunks, progress.totals);
  const stopProgress = progress.start(`backup level ${id.level}`);

  let digest: StreamDigest;
  let engineStored: Promise<EngineResult & { sealed: SealedEngineMetadata }> | undefined;
  let engineWrite = null as Promise<void> | null; // `as`: assigned in a callback, read in the catch
  let dataFailed = false;
  try {
    const dataStored = storeArchive(engine.stream, chunks, storage, dataPath(id), {
      codec: { name: opts.compression, level: opts.compression_level, threads: opts.threads },
      keys,
      segmentSize: opts.max_segment_size,
      taps: progress,
    });
    // engine_metadata is complete once the archive is: it is stored while the data object is
    // finished (its last parts, the fsync or manifest); metadata, written last, waits for both.
    engineStored = engine.result.then(async (r) => {
      const sealed = await sealEngineMetadata(r.engineMetadata, password, keys, opts.engine_name);
      if (dataFailed) throw new Error('not stored: the data object failed');
      engineWrite = putBuffer(storage, engineMetadataPath(id), sealed.stored);
      await engineWrite;
      return { ...r, sealed };
    });
    engineStored.catch(() => {});
    digest = await dataStored;
    await engineStored;
  } catch (err) {
    // No engine_metadata beside data that failed (best effort: the storage may be what failed).
    // Never wait for the engine itself here: when the upload failed first, it never ends.
    dataFailed = true;
    if (
      engineWrite &&
      (await engineWrite.then(
        () => true,
        () => false,
      ))
    )
      await storage.remove(engineMetadataPath(id)).catch(() => {});
    throw err;
  } finally {
    stopProgress();
  }
  const { stats, engineStats, sealed } = await engineStored;
  for (const w of stats.warnings) log.warn(w);
  await pit.check(); // a snapshot that became invalid while it was read fails the backup

  const finished = new Date();
  const info: PermafrostBackupInfo = {
    format: 1,
    level: id.level,
    parent: decision.parent ? `${decision.parent.level}_${decision.parent.ts}` : null,
    l0_timestamp: id.chainStart,
    timestamp: id.ts,
    hostname: opts.hostname,
    backup_name: opts.backup_name!,
    engine: opts.engine_name,
    codec: {
      name: opts.compression,
      level: opts.compression === 'none' ? null : resolveLevel(opts.compression, opts.compression_level),
      threads: opts.threads,
    },
    encryption: keys ? encryptionInfo(keys) : null,
    data: digest,
    engine_metadata: sealed.record,
    source: {
      path: source,
      files: stats.files,
      directories: stats.directories,
      bytes_read: stats.bytesRead,
      warnings: stats.warnings,
      files_new: stats.changes.new,
      files_changed: stats.changes.changed,
      files_unchanged: stats.changes.unchanged,
      files_removed: stats.changes.removed,
    },
    ...consistency,
    ...(opts.engine_name === 'rsync' ? { rsync: { block_length: opts.rsync_block_size, ...engineStats } } : {}),
    ...(Object.keys(pit.details).length ? { point_in_time: { path: pit.path, ...pit.details } } : {}),
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    duration_ms: finished.getTime() - started.getTime(),
    agent_version: VERSION,
  };
  await putBuffer(storage, metadataPath(id), serializeMetadata(buildMetadata(info)));
  log.info(`backup complete: level ${id.level}, ${digest.size} bytes stored, ${stats.files} files`);
  return { id, info };
}
