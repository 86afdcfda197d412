// Second pass of the dump: writes one non-directory member (file, hard link, symlink, FIFO,
// device) into the archive buffer, as GNU tar's dump_file0 does.
import { constants as C, promises as fsp, type BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { sourceError } from '../../errors.js';
import type { ArchiveBuffer } from './archive-buffer.js';
import { BLOCK_SIZE, encodeMemberHeader, memberHeaderLength, paddedSize, type HeaderFields } from './header.js';
import type { IdNames } from './ids.js';

export interface DumpStats {
  files: number;
  directories: number;
  symlinks: number;
  hardlinks: number;
  bytesRead: number;
  archiveBytes: number;
  warnings: string[];
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
  warn(message: string): void;
}

const NS_PER_S = 1_000_000_000n;

/** Seconds of a ns timestamp, rounded towards -infinity like st_mtim.tv_sec. */
export function secondsOf(ns: bigint): number {
  const q = ns / NS_PER_S;
  return Number(ns < 0n && q * NS_PER_S !== ns ? q - 1n : q);
}

export function headerFromStat(ctx: DumpContext, name: string, st: BigIntStats, typeflag: string, size: number): HeaderFields {
  const uid = Number(st.uid);
  const gid = Number(st.gid);
  return {
    name, typeflag, size,
    mode: Number(st.mode & 0o7777n), uid, gid,
    mtime: secondsOf(st.mtimeNs), atime: secondsOf(st.atimeNs), ctime: secondsOf(st.ctimeNs),
    uname: ctx.ids.user(uid), gname: ctx.ids.group(gid),
  };
}

export function writeHeader(ctx: DumpContext, h: HeaderFields): void {
  const n = memberHeaderLength(h);
  const { buf, offset } = ctx.out.reserve(n);
  encodeMemberHeader(h, buf, offset, ctx.rootNames);
  ctx.out.commit(n);
}

/** glibc's gnu_dev_major/gnu_dev_minor. */
function deviceNumbers(rdev: bigint): { devmajor: number; devminor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { devmajor: Number(major), devminor: Number(minor) };
}

/**
 * Dumps `abs` under archive name `name`. `kind` is the type seen during the scan: regular
 * files are opened directly (O_NOFOLLOW|O_NONBLOCK so a swapped-in symlink or FIFO cannot
 * redirect or block us) and stat'ed through the handle.
 */
export async function* dumpMember(ctx: DumpContext, name: string, abs: string, kind: string): AsyncGenerator<Buffer> {
  if (kind === 'file') {
    const fh = await openForDump(ctx, name, abs);
    if (fh === 'vanished') return;
    if (fh !== 'not-a-file') {
      try {
        const st = await fh.stat({ bigint: true });
        if (st.isFile()) return yield* dumpRegular(ctx, name, fh, st);
      } finally {
        await fh.close();
      }
    }
  }
  const st = await statForDump(ctx, name, abs);
  if (st) yield* dumpByStat(ctx, name, abs, st);
}

async function openForDump(ctx: DumpContext, name: string, abs: string): Promise<FileHandle | 'vanished' | 'not-a-file'> {
  const flags = C.O_RDONLY | C.O_NONBLOCK | (ctx.followSymlinks ? 0 : C.O_NOFOLLOW);
  try {
    return await fsp.open(abs, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENXIO') return 'not-a-file';
    return failedRead(ctx, name, abs, 'open', err);
  }
}

async function statForDump(ctx: DumpContext, name: string, abs: string): Promise<BigIntStats | null> {
  try {
    return ctx.followSymlinks ? await fsp.stat(abs, { bigint: true }) : await fsp.lstat(abs, { bigint: true });
  } catch (err) {
    const r = failedRead(ctx, name, abs, 'stat', err);
    return r === 'vanished' ? null : r;
  }
}

/** Vanished → warning (GNU tar: "File removed before we read it"); other errors per ignoreFailedRead. */
function failedRead(ctx: DumpContext, name: string, abs: string, op: string, err: unknown): 'vanished' {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') ctx.warn(`${name}: file removed before we read it`);
  else if (ctx.ignoreFailedRead) ctx.warn(`${name}: cannot ${op}: ${e.message}`);
  else throw sourceError(`cannot ${op} ${abs}: ${e.message}`, err);
  return 'vanished';
}

async function* dumpByStat(ctx: DumpContext, name: string, abs: string, st: BigIntStats): AsyncGenerator<Buffer> {
  if (st.isFile()) {
    const fh = await openForDump(ctx, name, abs);
    if (typeof fh === 'string') return;
    try {
      yield* dumpRegular(ctx, name, fh, await fh.stat({ bigint: true }));
    } finally {
      await fh.close();
    }
  } else if (st.isSocket()) {
    ctx.warn(`${name}: socket ignored`);
  } else if (st.isDirectory()) {
    ctx.warn(`${name}: became a directory during the backup; not dumped`);
  } else if (!dumpHardLink(ctx, name, st)) {
    await dumpSpecial(ctx, name, abs, st);
    rememberLink(ctx, name, st);
  }
}

async function dumpSpecial(ctx: DumpContext, name: string, abs: string, st: BigIntStats): Promise<void> {
  if (st.isSymbolicLink()) {
    let target: string;
    try {
      target = await fsp.readlink(abs);
    } catch (err) {
      failedRead(ctx, name, abs, 'readlink', err);
      return;
    }
    writeHeader(ctx, { ...headerFromStat(ctx, name, st, '2', 0), linkname: target });
    ctx.stats.symlinks++;
  } else if (st.isFIFO()) {
    writeHeader(ctx, headerFromStat(ctx, name, st, '6', 0));
  } else {
    const typeflag = st.isCharacterDevice() ? '3' : '4';
    writeHeader(ctx, { ...headerFromStat(ctx, name, st, typeflag, 0), ...deviceNumbers(st.rdev) });
  }
}

/** Second and later names of an inode become '1' members pointing at the first name. */
function dumpHardLink(ctx: DumpContext, name: string, st: BigIntStats): boolean {
  if (!ctx.trackHardLinks || st.nlink <= 1n) return false;
  const first = ctx.links.get(`${st.dev}:${st.ino}`);
  if (first === undefined) return false;
  writeHeader(ctx, { ...headerFromStat(ctx, name, st, '1', 0), linkname: first });
  ctx.stats.hardlinks++;
  return true;
}

function rememberLink(ctx: DumpContext, name: string, st: BigIntStats): void {
  if (ctx.trackHardLinks && st.nlink > 1n) ctx.links.set(`${st.dev}:${st.ino}`, name);
}

async function* dumpRegular(ctx: DumpContext, name: string, fh: FileHandle, st: BigIntStats): AsyncGenerator<Buffer> {
  if (dumpHardLink(ctx, name, st)) return;
  const size = Number(st.size);
  writeHeader(ctx, headerFromStat(ctx, name, st, '0', size));
  yield* copyFileData(ctx, name, fh, size);
  ctx.stats.files++;
  rememberLink(ctx, name, st);
}

/**
 * Copies exactly `size` bytes (the size in the header) into the archive, reading straight into
 * the output chunk. A file that shrank is padded with NULs; one that grew is cut. Either way
 * the archive stays in sync with its headers and a warning names the file.
 */
async function* copyFileData(ctx: DumpContext, name: string, fh: FileHandle, size: number): AsyncGenerator<Buffer> {
  const out = ctx.out;
  let position = 0;
  while (position < size) {
    if (out.hasReady()) yield* out.drain();
    const { buf, offset, free } = out.cursor();
    const want = Math.min(free, size - position);
    // One spare byte on the last read (when the chunk has room) reveals a file that grew.
    const probe = want === size - position && free > want ? 1 : 0;
    const { bytesRead } = await readInto(ctx, name, fh, buf, offset, want + probe, position);
    if (bytesRead === 0) {
      ctx.warn(`${name}: file changed as we read it (shrank by ${size - position} bytes; padded with zeros)`);
      out.writeZeros(size - position);
      position = size;
      break;
    }
    const used = Math.min(bytesRead, want);
    if (bytesRead > want) ctx.warn(`${name}: file changed as we read it (grew; cut to ${size} bytes)`);
    out.commit(used);
    position += used;
    ctx.stats.bytesRead += used;
  }
  out.writeZeros(paddedSize(size) - size);
  if (out.hasReady()) yield* out.drain();
}

async function readInto(ctx: DumpContext, name: string, fh: FileHandle, buf: Buffer, offset: number, length: number, position: number) {
  try {
    return await fh.read(buf, offset, length, position);
  } catch (err) {
    if (ctx.ignoreFailedRead) {
      ctx.warn(`${name}: read error: ${(err as Error).message}`);
      return { bytesRead: 0 };
    }
    throw sourceError(`cannot read ${name}: ${(err as Error).message}`, err);
  }
}

export { BLOCK_SIZE };
