// The consistency checksum (--consistency-check, --consistency-checksum): one SHA-256 over the
// names, types and contents of a tree, walked in byte order of names so that the same tree
// gives the same value on any file system. The records are specified in docs/FORMAT.md §6,
// so that another tool can recompute them. The walk leaves out what the tar engine leaves
// out (excluded names, sockets, file system loops, other file systems' contents), so the
// value of a source equals the value of its restore.
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs/promises';
import { constants, type BigIntStats } from 'node:fs';
import path from 'node:path';
import { sourceError } from '../base/errors.js';
import { compileExcludes, NO_EXCLUDES, type ExcludeMatcher } from './exclude.js';

export const TREE_CHECKSUM_PREFIX = 'permafrost tree checksum 1\n';

export interface TreeChecksumOptions {
  /** Follow symbolic links (as the engine does with --dereference-symlink soft or all). */
  followSymlinks: boolean;
  /** The engine's --exclude patterns; excluded names are not archived, so not hashed. */
  exclude?: readonly string[];
}

/** Files read at once: enough to overlap reads with hashing, few enough to bound memory. */
const RECORDS_IN_FLIGHT = 8;
const READ_SIZE = 1 << 20;
/** Stats per pool round trip within one directory. */
const STAT_BATCH = 256;

interface Entry {
  /** Path relative to the root, components joined by '/'. */
  rel: Buffer;
  abs: Buffer;
  stat: BigIntStats;
}

/** The tree's checksum as 64 lower-case hex digits; `root` may be a directory or a file. */
export async function treeChecksum(root: string, opts: TreeChecksumOptions): Promise<string> {
  const hash = createHash('sha256').update(TREE_CHECKSUM_PREFIX, 'latin1');
  const queue: Promise<Buffer>[] = [];
  for await (const entry of walkRoot(root, opts)) {
    const record = recordOf(entry, opts.followSymlinks);
    record.catch(() => {}); // awaited in order below; a later one may fail first
    queue.push(record);
    if (queue.length >= RECORDS_IN_FLIGHT) hash.update(await queue.shift()!);
  }
  while (queue.length > 0) hash.update(await queue.shift()!);
  return hash.digest('hex');
}

async function statOf(abs: Buffer | string, follow: boolean): Promise<BigIntStats | null> {
  try {
    return follow ? await fs.stat(abs, { bigint: true }) : await fs.lstat(abs, { bigint: true });
  } catch (err) {
    // Removed while we walked (or a dangling link that is followed): the engine leaves it out too.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw walkError('cannot stat', abs, err);
  }
}

function walkError(what: string, abs: Buffer | string, err: unknown): Error {
  const name = typeof abs === 'string' ? abs : abs.toString();
  return sourceError(`consistency checksum: ${what} ${name}: ${(err as Error).message}`, err);
}

async function* walkRoot(root: string, opts: TreeChecksumOptions): AsyncGenerator<Entry> {
  let st: BigIntStats;
  try {
    st = await fs.stat(root, { bigint: true });
  } catch (err) {
    throw walkError('cannot stat', root, err);
  }
  if (!st.isDirectory()) {
    // A single file is restored into the target directory under its own name.
    yield { rel: Buffer.from(path.basename(root)), abs: Buffer.from(root), stat: st };
    return;
  }
  const exclude = compileExcludes(opts.exclude ?? []);
  yield* walkDir(Buffer.from(root), Buffer.alloc(0), st, new Set(), { ...opts, exclude, rootDev: st.dev });
}

interface WalkContext {
  followSymlinks: boolean;
  exclude: ExcludeMatcher;
  rootDev: bigint;
}

async function* walkDir(abs: Buffer, rel: Buffer, st: BigIntStats, ancestors: Set<string>, ctx: WalkContext): AsyncGenerator<Entry> {
  // Another file system is listed as an empty directory and not descended (the engine's
  // --one-file-system).
  if (st.dev !== ctx.rootDev) return;
  let names: Buffer[];
  try {
    names = await fs.readdir(abs, { encoding: 'buffer' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw walkError('cannot read directory', abs, err);
  }
  // libuv happens to sort scandir's names the same way; the format must not depend on that.
  names.sort((a, b) => Buffer.compare(a, b));
  const inside = new Set(ancestors).add(`${st.dev}:${st.ino}`);
  const slash = Buffer.from('/');
  for (let i = 0; i < names.length; i += STAT_BATCH) {
    const batch = names.slice(i, i + STAT_BATCH).map((name) => {
      const childRel = rel.length === 0 ? name : Buffer.concat([rel, slash, name]);
      return { name, rel: childRel, abs: Buffer.concat([abs, slash, name]) };
    });
    const stats = await Promise.all(batch.map((c) => statOf(c.abs, ctx.followSymlinks)));
    for (const [j, c] of batch.entries()) {
      const s = stats[j];
      if (!s || s.isSocket()) continue; // vanished; sockets are never archived
      if (ctx.exclude !== NO_EXCLUDES && ctx.exclude(`./${c.rel.toString()}`, s.isDirectory())) continue;
      if (s.isDirectory()) {
        if (inside.has(`${s.dev}:${s.ino}`)) continue; // a loop through a followed link: not archived
        yield { rel: c.rel, abs: c.abs, stat: s };
        yield* walkDir(c.abs, c.rel, s, inside, ctx);
      } else yield { rel: c.rel, abs: c.abs, stat: s };
    }
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
}

function field(bytes: Buffer): Buffer {
  return Buffer.concat([u32(bytes.length), bytes]);
}

/** glibc's gnu_dev_major / gnu_dev_minor. */
function deviceNumbers(rdev: bigint): Buffer {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return Buffer.concat([u32(Number(major & 0xffffffffn)), u32(Number(minor & 0xffffffffn))]);
}

async function recordOf(e: Entry, follow: boolean): Promise<Buffer> {
  const s = e.stat;
  const head = (type: string) => Buffer.concat([Buffer.from(type, 'latin1'), field(e.rel)]);
  if (s.isDirectory()) return head('d');
  if (s.isFile()) {
    const read = await fileDigest(e.abs, follow, s.size);
    return read ? Buffer.concat([head('f'), u64(read.size), read.digest]) : Buffer.alloc(0); // gone: left out
  }
  if (s.isSymbolicLink()) {
    let target: Buffer;
    try {
      target = await fs.readlink(e.abs, { encoding: 'buffer' });
    } catch (err) {
      throw walkError('cannot read symbolic link', e.abs, err);
    }
    return Buffer.concat([head('l'), field(target)]);
  }
  if (s.isCharacterDevice()) return Buffer.concat([head('c'), deviceNumbers(s.rdev)]);
  if (s.isBlockDevice()) return Buffer.concat([head('b'), deviceNumbers(s.rdev)]);
  return head('p'); // a FIFO: the only type left once sockets are left out
}

/**
 * SHA-256 of a file's bytes as read now, with their count (the file may have changed since its
 * stat); null when it was removed since.
 */
async function fileDigest(abs: Buffer, follow: boolean, sizeHint: bigint): Promise<{ size: bigint; digest: Buffer } | null> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(abs, constants.O_RDONLY | (follow ? 0 : constants.O_NOFOLLOW));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw walkError('cannot open', abs, err);
  }
  try {
    const hash: Hash = createHash('sha256');
    // update() consumes the bytes at once: one buffer serves every read; a small file gets a
    // small one (one byte more than its size, so that a file that grew is still read whole).
    const buf = Buffer.allocUnsafe(Math.min(READ_SIZE, Number(sizeHint) + 1));
    let size = 0n;
    for (;;) {
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(buf, 0, buf.length, null));
      } catch (err) {
        throw walkError('cannot read', abs, err);
      }
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      size += BigInt(n);
    }
    return { size, digest: hash.digest() };
  } finally {
    await fh.close();
  }
}
