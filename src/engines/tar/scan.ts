// First pass of an incremental dump, as GNU tar's collect_and_sort_names/scan_directory:
// every directory under the root with its dumpdir (Y/N/D per child), decided against the
// previous snapshot. The second pass (writer.ts) dumps the 'Y' entries.
// Directories are listed by the addon in batches (listing.ts); the decisions are made here.
import path from 'node:path';
import { sourceError } from '../../base/errors.js';
import { NO_EXCLUDES, type ExcludeMatcher } from '../exclude.js';
import { compareNames, type DumpdirEntry } from './dumpdir.js';
import { listDirectories, type DirListing, type EntryKind, type ListedEntry, type ScanStat, type SystemFailure } from './listing.js';
import type { Snapshot } from './snapshot.js';
import type { SourceTotals } from './source-totals.js';

export type { EntryKind, ScanStat } from './listing.js';

export interface ScannedEntry extends DumpdirEntry {
  /** Type seen during the scan; the dump pass re-checks it. */
  kind: EntryKind;
  /** Matched an --exclude pattern: listed as unchanged, never read. */
  excluded?: boolean;
}

export interface ScannedDir {
  /** Archive path without trailing slash: `.`, `./a/b`. */
  rel: string;
  abs: string;
  stat: ScanStat;
  entries: ScannedEntry[];
}

export interface ScanOptions {
  rootAbs: string;
  rootStat: ScanStat;
  previous: Snapshot | null;
  /** Snapshot timestamp of the previous run in ns; null = level 0 (everything is dumped). */
  sinceNs: bigint | null;
  exclude: ExcludeMatcher;
  followSymlinks: boolean;
  ignoreFailedRead: boolean;
  warn(message: string): void;
  /** Counts what the dump will read (and stats every entry to know its size). */
  totals?: SourceTotals;
}

/** Directories listed per addon call: enough to amortise it, few enough to bound its arrays. */
const BATCH_DIRS = 128;
/** Listings on the pool at once: the scan runs before anything else, so both cores may list. */
const LISTINGS_IN_FLIGHT = 2;

interface DirJob {
  rel: string;
  abs: string;
  stat: ScanStat;
  ancestors: Set<string>;
  /** --no-check-device: the previous snapshot has this name with the same inode. */
  known: boolean;
}

/** Scans the tree; returns the directories sorted by strcmp of their archive path. */
export async function scanTree(opts: ScanOptions): Promise<ScannedDir[]> {
  const inodes = previousInodes(opts.previous);
  const job = (rel: string, abs: string, stat: ScanStat, ancestors: Set<string>): DirJob => ({
    rel,
    abs,
    stat,
    ancestors,
    known: opts.sinceNs !== null && inodes.get(rel) === stat.ino,
  });
  const result: ScannedDir[] = [];
  const pending: DirJob[] = [job('.', opts.rootAbs, opts.rootStat, new Set())];
  const scanBatch = async (batch: DirJob[]) => {
    // --one-file-system: a mount point is listed and gets a 'D' member, but is not descended.
    const descend = batch.filter((j) => j.stat.dev === opts.rootStat.dev);
    const statAll = (j: DirJob) => j.known || opts.totals !== undefined;
    const listings = await listDirectories(
      descend.map((j) => ({ abs: j.abs, statAll: statAll(j) })),
      opts.followSymlinks,
    );
    const listingOf = new Map(descend.map((j, i) => [j, listings[i]]));
    for (const j of batch) {
      const listing = listingOf.get(j);
      const { dir, subdirs } = listing ? scanDirectory(j, listing, opts) : { dir: emptyDir(j), subdirs: [] };
      result.push(dir);
      for (const s of subdirs) pending.push(job(s.rel, s.abs, s.stat, s.ancestors));
    }
  };
  const inFlight = new Set<Promise<void>>();
  const launch = () => {
    while (inFlight.size < LISTINGS_IN_FLIGHT && pending.length > 0) {
      // Split what is known between the listings, so a narrow level still uses both.
      const size = Math.min(BATCH_DIRS, Math.ceil(pending.length / LISTINGS_IN_FLIGHT));
      const p: Promise<void> = scanBatch(pending.splice(-size)).finally(() => inFlight.delete(p));
      p.catch(() => {}); // the race below reports it
      inFlight.add(p);
    }
  };
  launch();
  while (inFlight.size > 0) {
    await Promise.race(inFlight);
    launch();
  }
  return result.sort((a, b) => compareNames(a.rel, b.rel));
}

function previousInodes(previous: Snapshot | null): Map<string, bigint> {
  const map = new Map<string, bigint>();
  for (const d of previous?.directories ?? []) map.set(d.name, d.ino);
  return map;
}

function emptyDir(job: DirJob): ScannedDir {
  return { rel: job.rel, abs: job.abs, stat: job.stat, entries: [] };
}

function scanDirectory(job: DirJob, listing: DirListing, opts: ScanOptions): { dir: ScannedDir; subdirs: Omit<DirJob, 'known'>[] } {
  const dir = emptyDir(job);
  const subdirs: Omit<DirJob, 'known'>[] = [];
  if (listing.failure) {
    directoryFailed(job.abs, listing.failure, opts);
    return { dir, subdirs };
  }
  const ancestors = new Set(job.ancestors).add(inodeKey(job.stat));
  // Entries come sorted by the bytes of their names, the order of a dumpdir.
  const anyExcludes = opts.exclude !== NO_EXCLUDES;
  for (const child of listing.entries) {
    if (anyExcludes && opts.exclude(`${job.rel}/${child.name}`, child.kind === 'dir')) {
      // GNU tar lists an excluded name as unchanged; a restore leaves that path alone.
      dir.entries.push({ letter: 'N', name: child.name, kind: 'other', excluded: true });
      continue;
    }
    const needsStat = child.kind === null || child.kind === 'dir' || job.known;
    const stat = needsStat ? statOf(job, child, opts) : undefined;
    if (needsStat && !stat) continue; // vanished or unreadable (and tolerated): left out
    const kind = stat ? statKind(stat) : child.kind!;
    if (kind === 'dir') {
      const rel = `${job.rel}/${child.name}`;
      if (ancestors.has(inodeKey(stat!))) {
        opts.warn(`${rel}: file system loop detected; not dumped`);
        continue;
      }
      dir.entries.push({ letter: 'D', name: child.name, kind });
      subdirs.push({ rel, abs: path.join(job.abs, child.name), stat: stat!, ancestors });
    } else {
      const dump = !job.known || isChanged(stat!, opts.sinceNs!);
      dir.entries.push({ letter: dump ? 'Y' : 'N', name: child.name, kind });
      // A stat taken only to count (statAll) may have failed: the dump will say so, not the count.
      if (dump && kind === 'file') opts.totals?.add(stat ?? child.stat);
    }
  }
  return { dir, subdirs };
}

/** A directory that could not be read is left empty with a warning, or fails the scan. */
function directoryFailed(abs: string, failure: SystemFailure, opts: ScanOptions): void {
  if (failure.code === 'ENOENT') opts.warn(`${abs}: directory removed before we read it`);
  else if (opts.ignoreFailedRead) opts.warn(`${abs}: cannot read directory: ${failure.message}`);
  else throw sourceError(`cannot read directory ${abs}: ${failure.message}`);
}

/** The child's stat; undefined when it vanished or could not be stat'ed (and that is tolerated). */
function statOf(job: DirJob, child: ListedEntry, opts: ScanOptions): ScanStat | undefined {
  if (child.stat) return child.stat;
  const rel = `${job.rel}/${child.name}`;
  const failure = child.statFailure ?? { code: 'EINVAL', message: 'no stat was taken' };
  if (failure.code === 'ENOENT') opts.warn(`${rel}: file removed before we read it`);
  else if (opts.ignoreFailedRead) opts.warn(`${rel}: cannot stat: ${failure.message}`);
  else throw sourceError(`cannot stat ${path.join(job.abs, child.name)}: ${failure.message}`);
  return undefined;
}

function inodeKey(st: ScanStat): string {
  return `${st.dev}:${st.ino}`;
}

/** GNU tar: unchanged only when both mtime and ctime are older than the snapshot time. */
export function isChanged(st: Pick<ScanStat, 'mtimeNs' | 'ctimeNs'>, sinceNs: bigint): boolean {
  return st.mtimeNs >= sinceNs || st.ctimeNs >= sinceNs;
}

export function statKind(st: Pick<ScanStat, 'isFile' | 'isDirectory' | 'isSymbolicLink'>): EntryKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}
