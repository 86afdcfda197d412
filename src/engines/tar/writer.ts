// In-process equivalent of, in `root`:
//   tar --create --listed-incremental=SNAP --no-check-device --one-file-system --format=gnu .
// (or `tar ... -C dirname basename` when root is a single file, as Freezer does).
// Member order, dumpdirs and snapshot follow docs/GNU-TAR.md §3, §4, §6 and §7.
import { promises as fsp, type BigIntStats } from 'node:fs';
import path from 'node:path';
import { sourceError } from '../../base/errors.js';
import { compileExcludes } from '../exclude.js';
import { ArchiveBuffer } from './archive-buffer.js';
import type { ChunkPool } from '../../bytes/chunk-pool.js';
import { encodeDumpdir } from './dumpdir.js';
import { BLOCK_SIZE, paddedSize } from './header.js';
import { localIdNames, noIdNames, type IdNames } from './ids.js';
import { headerFromStat, writeHeader, type DumpContext, type DumpStats } from './dump-context.js';
import { dumpEntry } from './members.js';
import type { RegularFileHook } from './file-hook.js';
import { dumpEntriesNatively } from './native-files.js';
import { Pacer } from './pacer.js';
import { isChanged, scanTree, statKind, type ScannedDir } from './scan.js';
import { parseSnapshot, serializeSnapshot, snapshotTimestampNs, SNAPSHOT_HEADER, type Snapshot } from './snapshot.js';
import { countChanges, noChanges } from './changes.js';
import type { SourceTotals } from './source-totals.js';

export type Dereference = 'none' | 'soft' | 'hard' | 'all';

export interface TarBackupOptions {
  /** Directory to back up (archived as `.`), or a single file (archived by its basename). */
  root: string;
  /** Snapshot of the parent level (GNU tar format 2); null/absent = level 0. */
  previousSnapshot?: Buffer | null;
  /** GNU tar --exclude patterns. */
  exclude?: string[];
  /** soft = --dereference, hard = --hard-dereference, all = both. */
  dereference?: Dereference;
  /** Warn instead of failing on unreadable files/directories (tar --ignore-failed-read). */
  ignoreFailedRead?: boolean;
  /** Where the yielded chunks come from (default: fresh 1 MiB chunks); consumers may give them back. */
  chunkPool?: ChunkPool;
  /** Fill uname/gname from /etc/passwd and /etc/group (default true). */
  userNames?: boolean;
  /** Counters to update live while the archive is written (progress display); zeroed here. */
  stats?: TarBackupStats;
  /** Filled by the scan with what the dump will read, before it starts (progress display). */
  sourceTotals?: SourceTotals;
  /** Lets an engine store some regular files differently (the rsync engine's deltas). */
  fileHook?: RegularFileHook;
  /**
   * Plain regular files through the addon's fast path (default true; with a fileHook, only
   * one that takes signed files from it).
   * false writes every member in TypeScript: the same bytes, for tests to compare.
   */
  nativeFiles?: boolean;
}

export type TarBackupStats = DumpStats;

export interface TarBackupResult {
  /** The new snapshot (`engine_metadata`). */
  snapshot: Buffer;
  stats: TarBackupStats;
}

export interface TarBackup {
  stream: AsyncGenerator<Buffer, void, undefined>;
  /** Settles after the stream ended (rejects with the stream's error). */
  result: Promise<TarBackupResult>;
}

const RECORD_SIZE = 20 * BLOCK_SIZE;
// Kernel file timestamps come from a coarse clock that can lag the wall clock by a tick;
// starting the snapshot slightly early makes sure a change made just after the start is
// seen as changed by the next level (it only costs re-dumping files touched in this window).
// 100 ms is ten ticks at HZ=100 (the coarsest common kernel), yet short enough that files
// written just before a backup are not all dumped again by the next level.
const CLOCK_MARGIN_NS = 100_000_000n;

export function createTarBackup(opts: TarBackupOptions): TarBackup {
  let settle!: { resolve: (r: TarBackupResult) => void; reject: (e: unknown) => void };
  const result = new Promise<TarBackupResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // The stream carries the error to its consumer; don't also report it as unhandled here.
  result.catch(() => undefined);
  const stream = (async function* (): AsyncGenerator<Buffer, void, undefined> {
    try {
      settle.resolve(yield* runBackup(opts));
    } catch (err) {
      settle.reject(err);
      throw err;
    } finally {
      settle.reject(new Error('tar backup stream was closed before the end'));
    }
  })();
  return { stream, result };
}

async function* runBackup(opts: TarBackupOptions): AsyncGenerator<Buffer, TarBackupResult> {
  const startNs = BigInt(Date.now()) * 1_000_000n - CLOCK_MARGIN_NS;
  const previous = parseSnapshot(opts.previousSnapshot);
  const sinceNs = previous ? snapshotTimestampNs(previous) : null;
  const ctx = makeContext(opts);
  const rootAbs = path.resolve(opts.root);
  const rootStat = await statRoot(rootAbs);
  let directories: ScannedDir[] = [];
  const totals = opts.sourceTotals;
  if (totals) totals.linksOnce = ctx.trackHardLinks;
  if (rootStat.isDirectory()) {
    directories = await scanTree({
      rootAbs,
      rootStat,
      previous,
      sinceNs,
      exclude: compileExcludes(opts.exclude ?? []),
      followSymlinks: ctx.followSymlinks,
      ignoreFailedRead: ctx.ignoreFailedRead,
      warn: ctx.warn,
      totals,
    });
    if (totals) totals.complete = true;
    ctx.stats.changes = countChanges(directories, previous);
    yield* dumpTree(ctx, directories, opts.nativeFiles !== false && (!ctx.fileHook || ctx.fileHook.signed !== undefined));
  } else {
    yield* dumpSingleFile(ctx, rootAbs, sinceNs, totals);
  }
  yield* finishArchive(ctx.out);
  ctx.stats.archiveBytes = ctx.out.total;
  return { snapshot: serializeSnapshot(newSnapshot(startNs, directories)), stats: ctx.stats };
}

function makeContext(opts: TarBackupOptions): DumpContext {
  const deref = opts.dereference ?? 'none';
  const ids: IdNames = opts.userNames === false ? noIdNames : localIdNames();
  const stats: DumpStats = Object.assign(opts.stats ?? ({} as DumpStats), {
    files: 0,
    directories: 0,
    symlinks: 0,
    hardlinks: 0,
    bytesRead: 0,
    archiveBytes: 0,
    warnings: [],
    changes: noChanges(),
  });
  return {
    out: new ArchiveBuffer(opts.chunkPool),
    stats,
    ids,
    rootNames: { uname: ids.user(0), gname: ids.group(0) },
    followSymlinks: deref === 'soft' || deref === 'all',
    trackHardLinks: deref === 'none' || deref === 'soft',
    ignoreFailedRead: opts.ignoreFailedRead ?? false,
    links: new Map(),
    warn: (message) => stats.warnings.push(message),
    fileHook: opts.fileHook,
  };
}

async function statRoot(rootAbs: string): Promise<BigIntStats> {
  try {
    // Freezer chdir()s into the root, which follows a symlink.
    return await fsp.stat(rootAbs, { bigint: true });
  } catch (err) {
    throw sourceError(`cannot access backup source ${rootAbs}: ${(err as Error).message}`, err);
  }
}

/** All 'D' members first (every directory, every level), then the 'Y' entries dir by dir. */
async function* dumpTree(ctx: DumpContext, directories: ScannedDir[], nativeFiles: boolean): AsyncGenerator<Buffer> {
  for (const dir of directories) {
    writeDirectory(ctx, dir);
    if (ctx.out.hasReady()) yield* ctx.out.drain();
  }
  if (!nativeFiles) return yield* dumpInOrder(ctx, dumpedEntries(directories));
  yield* dumpEntriesNatively(ctx, directories);
}

function* dumpedEntries(directories: ScannedDir[]): Generator<{ name: string; abs: string; kind: string }> {
  for (const dir of directories) {
    for (const entry of dir.entries) {
      if (entry.letter === 'Y') yield { name: `${dir.rel}/${entry.name}`, abs: path.join(dir.abs, entry.name), kind: entry.kind };
    }
  }
}

async function* dumpInOrder(
  ctx: DumpContext,
  members: Iterable<{ name: string; abs: string; kind: string }>,
): AsyncGenerator<Buffer, void> {
  const pacer = new Pacer();
  for (const m of members) {
    yield* dumpEntry(ctx, m.name, m.abs, m.kind);
    yield* pacer.handOn(ctx.out);
  }
}

function writeDirectory(ctx: DumpContext, dir: ScannedDir): void {
  const dumpdir = encodeDumpdir(dir.entries);
  writeHeader(ctx, headerFromStat(ctx, `${dir.rel}/`, dir.stat, 'D', dumpdir.length));
  ctx.out.write(dumpdir);
  ctx.out.writeZeros(paddedSize(dumpdir.length) - dumpdir.length);
  ctx.stats.directories++;
}

/**
 * GNU tar dumps a command-line file in incremental mode only if changed since the snapshot.
 * No snapshot records it, so it counts as new at level 0 and changed or unchanged after.
 */
async function* dumpSingleFile(ctx: DumpContext, rootAbs: string, sinceNs: bigint | null, totals?: SourceTotals): AsyncGenerator<Buffer> {
  const st = ctx.followSymlinks ? await fsp.stat(rootAbs, { bigint: true }) : await fsp.lstat(rootAbs, { bigint: true });
  const dump = sinceNs === null || isChanged(st, sinceNs);
  ctx.stats.changes[sinceNs === null ? 'new' : dump ? 'changed' : 'unchanged']++;
  if (totals) {
    if (dump && st.isFile()) totals.add(st);
    totals.complete = true;
  }
  if (!dump) return;
  yield* dumpInOrder(ctx, [{ name: path.basename(rootAbs), abs: rootAbs, kind: statKind(st) }]);
}

/** Two zero blocks, then zeros up to a whole 10240-byte record (GNU tar's default blocking). */
async function* finishArchive(out: ArchiveBuffer): AsyncGenerator<Buffer> {
  const withEnd = out.total + 2 * BLOCK_SIZE;
  out.writeZeros(2 * BLOCK_SIZE + ((RECORD_SIZE - (withEnd % RECORD_SIZE)) % RECORD_SIZE));
  out.flush();
  yield* out.drain();
}

function newSnapshot(startNs: bigint, directories: ScannedDir[]): Snapshot {
  return {
    header: SNAPSHOT_HEADER,
    timeSec: startNs / 1_000_000_000n,
    timeNsec: startNs % 1_000_000_000n,
    directories: directories.map((d) => ({
      nfs: false,
      mtimeSec: d.stat.mtimeNs / 1_000_000_000n,
      mtimeNsec: d.stat.mtimeNs % 1_000_000_000n,
      dev: d.stat.dev,
      ino: d.stat.ino,
      name: d.rel,
      entries: d.entries.map((e) => ({ letter: e.letter, name: e.name })),
    })),
  };
}
