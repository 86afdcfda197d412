// Test trees: build them, mutate them, and snapshot them (content hash, mode, mtime, symlink
// target, hard-link groups) so two trees can be compared exactly.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { createHash } from 'node:crypto';

export interface EntrySnapshot {
  type: 'file' | 'dir' | 'symlink' | 'fifo' | 'other';
  mode: number;
  mtime: number;
  sha?: string;
  size?: number;
  target?: string;
  /** Index of the hard-link group (files sharing an inode), or undefined when nlink == 1. */
  linkGroup?: string;
}

export type TreeSnapshot = Record<string, EntrySnapshot>;

export function tempDir(prefix = 'pf-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function typeOf(st: fs.Stats): EntrySnapshot['type'] {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  return 'other';
}

/** Describes every entry under root; the root itself is included as ".". */
export function snapshotTree(root: string, opts: { mtimes?: boolean; dirMtimes?: boolean } = {}): TreeSnapshot {
  const out: TreeSnapshot = {};
  const inodes = new Map<number, string>();
  const visit = (rel: string) => {
    const abs = path.join(root, rel);
    const st = fs.lstatSync(abs);
    const e: EntrySnapshot = { type: typeOf(st), mode: st.mode & 0o7777, mtime: opts.mtimes === false ? 0 : Math.floor(st.mtimeMs / 1000) };
    if (e.type === 'file') {
      e.size = st.size;
      e.sha = createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
      if (st.nlink > 1) {
        if (!inodes.has(st.ino)) inodes.set(st.ino, rel);
        e.linkGroup = inodes.get(st.ino);
      }
    }
    if (e.type === 'symlink') {
      e.target = fs.readlinkSync(abs);
      e.mode = 0;
    }
    if (e.type === 'dir') {
      if (opts.dirMtimes === false) e.mtime = 0;
      for (const name of fs.readdirSync(abs).sort()) visit(rel === '.' ? name : `${rel}/${name}`);
    }
    out[rel] = e;
  };
  visit('.');
  return out;
}

export function write(root: string, rel: string, data: string | Buffer, mode?: number): void {
  const abs = path.join(root, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, data);
  if (mode !== undefined) fs.chmodSync(abs, mode);
}

/** Pseudo-random but reproducible bytes (xorshift), so failures can be replayed. */
export function prng(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

/** Sets an mtime in the past so the next mutation is seen as a change by mtime alone. */
export function age(root: string, rel: string, secondsAgo = 3600): void {
  const t = Date.now() / 1000 - secondsAgo;
  fs.utimesSync(path.join(root, rel), t, t);
}

/** The sample tree used by the mutation suites: files, nested dirs, a symlink, a hard link, a long name. */
export function makeSampleTree(root: string): void {
  write(root, 'a.txt', 'alpha\n');
  write(root, 'b.txt', prng(70_000, 1));
  write(root, 'sub/c.txt', 'gamma\n', 0o600);
  write(root, 'sub/deep/d.bin', prng(300_000, 2));
  write(root, 'sub/deep/exec.sh', '#!/bin/sh\necho hi\n', 0o755);
  write(root, `long/${'n'.repeat(120)}.txt`, 'long name\n');
  write(root, 'tomove.txt', 'moving\n');
  write(root, 'todelete.txt', 'bye\n');
  fs.mkdirSync(path.join(root, 'emptydir'));
  fs.symlinkSync('a.txt', path.join(root, 'link'));
  fs.linkSync(path.join(root, 'b.txt'), path.join(root, 'hard-b'));
}

/** First mutation: modify, append, delete, add, rename, chmod, retarget a symlink, add a hard link. */
export function mutate1(root: string): void {
  write(root, 'a.txt', 'alpha changed\n');
  fs.appendFileSync(path.join(root, 'sub/deep/d.bin'), prng(5000, 3));
  fs.unlinkSync(path.join(root, 'todelete.txt'));
  write(root, 'new/added.txt', 'added\n');
  fs.renameSync(path.join(root, 'tomove.txt'), path.join(root, 'moved.txt'));
  fs.chmodSync(path.join(root, 'sub/c.txt'), 0o640);
  fs.unlinkSync(path.join(root, 'link'));
  fs.symlinkSync('sub/c.txt', path.join(root, 'link'));
  fs.linkSync(path.join(root, 'a.txt'), path.join(root, 'hard-a'));
}

/** Second mutation: more of the same, including deleting a directory and re-adding a name. */
export function mutate2(root: string): void {
  write(root, 'b.txt', prng(80_000, 4));
  fs.rmSync(path.join(root, 'new'), { recursive: true });
  write(root, 'todelete.txt', 'back again\n');
  fs.renameSync(path.join(root, 'sub/deep'), path.join(root, 'sub/deeper'));
  fs.chmodSync(path.join(root, 'sub/deeper/exec.sh'), 0o700);
  write(root, 'sub/z.txt', '');
}
