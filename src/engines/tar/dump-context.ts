// Dump context shared by the writer's passes, and the header of a member built from lstat.
import type { BigIntStats } from 'node:fs';
import type { ArchiveBuffer } from './archive-buffer.js';
import { BLOCK_SIZE, encodeMemberHeader, memberHeaderLength, type HeaderFields } from './header.js';
import type { IdNames } from './ids.js';
import type { EntryChanges } from './changes.js';

export interface DumpStats {
  files: number;
  directories: number;
  symlinks: number;
  hardlinks: number;
  bytesRead: number;
  archiveBytes: number;
  warnings: string[];
  /** Non-directories new, changed, unchanged and removed since the previous level (changes.ts). */
  changes: EntryChanges;
}

export interface DumpContext {
  out: ArchiveBuffer;
  stats: DumpStats;
  ids: IdNames;
  rootNames: { uname: string; gname: string };
  followSymlinks: boolean;
  /** false with --hard-dereference: every name of an inode is stored in full. */
  trackHardLinks: boolean;
  ignoreFailedRead: boolean;
  /** dev:ino → archive name of the first member of that inode. */
  links: Map<string, string>;
  warn: (message: string) => void;
  /** See RegularFileHook (file-hook.ts). */
  fileHook?: import('./file-hook.js').RegularFileHook;
}

const NS_PER_S = 1_000_000_000n;

/** Seconds of a ns timestamp, rounded towards -infinity like st_mtim.tv_sec. */
export function secondsOf(ns: bigint): number {
  const q = ns / NS_PER_S;
  return Number(ns < 0n && q * NS_PER_S !== ns ? q - 1n : q);
}

export function headerFromStat(
  ctx: DumpContext,
  name: string,
  st: Pick<BigIntStats, 'mode' | 'uid' | 'gid' | 'mtimeNs' | 'atimeNs' | 'ctimeNs'>,
  typeflag: string,
  size: number,
): HeaderFields {
  const uid = Number(st.uid);
  const gid = Number(st.gid);
  return {
    name,
    typeflag,
    size,
    mode: Number(st.mode & 0o7777n),
    uid,
    gid,
    mtime: secondsOf(st.mtimeNs),
    atime: secondsOf(st.atimeNs),
    ctime: secondsOf(st.ctimeNs),
    uname: ctx.ids.user(uid),
    gname: ctx.ids.group(gid),
  };
}

export function writeHeader(ctx: DumpContext, h: HeaderFields): void {
  const n = memberHeaderLength(h);
  // A long-name header that does not fit is written across chunks: cutting the chunk short
  // would make the compressor join two chunks (a copy of every byte that follows).
  if (n > ctx.out.free() && n > BLOCK_SIZE) {
    const tmp = Buffer.allocUnsafe(n);
    encodeMemberHeader(h, tmp, 0, ctx.rootNames);
    ctx.out.write(tmp);
    return;
  }
  const { buf, offset } = ctx.out.reserve(n);
  encodeMemberHeader(h, buf, offset, ctx.rootNames);
  ctx.out.commit(n);
}

/** glibc's gnu_dev_major/gnu_dev_minor. */
export function deviceNumbers(rdev: bigint): { devmajor: number; devminor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { devmajor: Number(major), devminor: Number(minor) };
}
