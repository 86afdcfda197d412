// Directory listings for the scan, from the addon (native/core/dir_list.h): a batch of
// directories is read on the libuv pool (readdir, and the stats the scan asks for) in one
// call, instead of a Node call per directory and per stat on the main thread.
import type { BigIntStats } from 'node:fs';
import path from 'node:path';
import { getSystemErrorMap } from 'node:util';
import { ListedKind, native, type NativeListing } from '../../native.js';

/** What the scan and the directory members read of a stat (a BigIntStats has it all). */
export type ScanStat = Pick<
  BigIntStats,
  | 'dev'
  | 'ino'
  | 'mode'
  | 'nlink'
  | 'uid'
  | 'gid'
  | 'size'
  | 'atimeNs'
  | 'mtimeNs'
  | 'ctimeNs'
  | 'isFile'
  | 'isDirectory'
  | 'isSymbolicLink'
>;

export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

/** A failed call, worded as Node words it (`ENOENT: no such file or directory, lstat '/x'`). */
export interface SystemFailure {
  code: string;
  message: string;
}

export interface ListedEntry {
  name: string;
  /** The type readdir reported; null when it could not tell (or a symlink that is followed). */
  kind: EntryKind | null;
  stat?: ScanStat;
  statFailure?: SystemFailure;
}

export interface DirListing {
  failure?: SystemFailure;
  /** In strcmp order of the names' bytes, as GNU tar sorts them. */
  entries: ListedEntry[];
}

export interface ListRequest {
  abs: string;
  /** Stat every entry (not only directories and types readdir could not tell). */
  statAll: boolean;
}

const S_IFMT = 0o170000n;

class ListedStat implements ScanStat {
  constructor(
    readonly dev: bigint,
    readonly ino: bigint,
    readonly mode: bigint,
    readonly nlink: bigint,
    readonly uid: bigint,
    readonly gid: bigint,
    readonly size: bigint,
    readonly atimeNs: bigint,
    readonly mtimeNs: bigint,
    readonly ctimeNs: bigint,
  ) {}

  isFile(): boolean {
    return (this.mode & S_IFMT) === 0o100000n;
  }
  isDirectory(): boolean {
    return (this.mode & S_IFMT) === 0o040000n;
  }
  isSymbolicLink(): boolean {
    return (this.mode & S_IFMT) === 0o120000n;
  }
}

const STAT_FIELDS = 13;

function statAt(s: BigInt64Array, i: number): ScanStat {
  const f = i * STAT_FIELDS;
  const ns = (at: number) => s[at] * 1_000_000_000n + s[at + 1];
  return new ListedStat(
    BigInt.asUintN(64, s[f]),
    BigInt.asUintN(64, s[f + 1]),
    s[f + 2],
    s[f + 3],
    s[f + 4],
    s[f + 5],
    s[f + 6],
    ns(f + 7),
    ns(f + 9),
    ns(f + 11),
  );
}

export function systemFailure(errno: number, syscall: string, path: string): SystemFailure {
  const [code, description] = getSystemErrorMap().get(-errno) ?? [`E${errno}`, 'unknown error'];
  return { code, message: `${code}: ${description}, ${syscall} '${path}'` };
}

function kindOf(listed: number, followSymlinks: boolean): EntryKind | null {
  switch (listed) {
    case ListedKind.File:
      return 'file';
    case ListedKind.Dir:
      return 'dir';
    case ListedKind.Symlink:
      return followSymlinks ? null : 'symlink';
    case ListedKind.Other:
      return 'other';
    default:
      return null;
  }
}

/** Lists a batch of directories (at most 4096). */
export async function listDirectories(requests: ListRequest[], followSymlinks: boolean): Promise<DirListing[]> {
  const l: NativeListing = await native.listDirectories(
    requests.map((r) => r.abs),
    Uint8Array.from(requests, (r) => (r.statAll ? 1 : 0)),
    followSymlinks,
  );
  const names = l.names.split('\0');
  const statCall = followSymlinks ? 'stat' : 'lstat';
  let e = 0;
  return requests.map((r, d) => {
    if (l.errors[d]) return { failure: systemFailure(l.errors[d], 'scandir', r.abs), entries: [] };
    const entries: ListedEntry[] = [];
    for (const end = e + l.counts[d]; e < end; e++) {
      const entry: ListedEntry = { name: names[e], kind: kindOf(l.kinds[e], followSymlinks) };
      if (l.statErrors[e]) entry.statFailure = systemFailure(l.statErrors[e], statCall, path.join(r.abs, entry.name));
      else if (l.statAt[e] >= 0) entry.stat = statAt(l.stats, l.statAt[e]);
      entries.push(entry);
    }
    return { entries };
  });
}
