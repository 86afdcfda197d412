// Local directory storage. Every put builds the object (and any directories it needs that do
// not exist yet) under `.permafrost-tmp/`, fsyncs, then renames the topmost new entry into
// place and fsyncs its parent: a crash leaves either nothing or the whole object, and a
// `metadata/…/<LVL>_<TS>` directory never appears without its `metadata` file inside.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { storageError } from '../errors.js';
import { Storage, ObjectStat, checkObjectPath } from './storage.js';

const TMP_DIR = '.permafrost-tmp';

async function fsyncPath(p: string): Promise<void> {
  const fh = await fs.open(p, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

async function exists(p: string): Promise<boolean> {
  try { await fs.lstat(p); return true; } catch { return false; }
}

export class LocalStorage implements Storage {
  readonly name: string;
  constructor(readonly root: string, private readonly dryRun = false) {
    this.name = `local:${root}`;
  }

  private abs(p: string): string {
    return path.join(this.root, checkObjectPath(p));
  }

  private async firstMissing(target: string): Promise<string> {
    let missing = target;
    for (let dir = path.dirname(target); dir.length >= this.root.length; dir = path.dirname(dir)) {
      if (await exists(dir)) break;
      missing = dir;
    }
    return missing;
  }

  async put(p: string, source: () => AsyncIterable<Buffer>): Promise<void> {
    const target = this.abs(p);
    if (this.dryRun) { for await (const _ of source()) { /* consume: a dry run still reads */ } return; }
    try {
      await fs.mkdir(this.root, { recursive: true });
      const top = await this.firstMissing(target);
      const work = path.join(this.root, TMP_DIR, `${process.pid}-${randomBytes(6).toString('hex')}`);
      const staged = path.join(work, path.relative(path.dirname(top), target));
      await fs.mkdir(path.dirname(staged), { recursive: true });
      const fh = await fs.open(staged, 'wx', 0o600);
      try {
        for await (const chunk of source()) await fh.write(chunk);
        await fh.sync();
      } finally {
        await fh.close();
      }
      const stagedTop = path.join(work, path.basename(top));
      if (top !== target) await fsyncPath(path.dirname(staged));
      await fs.rename(stagedTop, top);
      await fsyncPath(path.dirname(top));
      await fs.rm(work, { recursive: true, force: true });
    } catch (err) {
      throw storageError(`${this.name}: cannot write ${p}: ${(err as Error).message}`, err);
    }
  }

  async *get(p: string): AsyncIterable<Buffer> {
    const file = this.abs(p);
    const stream = createReadStream(file, { highWaterMark: 1 << 20 });
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const what = e.code === 'ENOENT' ? 'object not found' : e.message;
      throw storageError(`${this.name}: cannot read ${p}: ${what}`, err);
    }
  }

  async list(prefix: string): Promise<string[]> {
    try {
      const names = await fs.readdir(prefix === '' ? this.root : this.abs(prefix));
      return names.filter((n) => n !== TMP_DIR).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storageError(`${this.name}: cannot list ${prefix}: ${(err as Error).message}`, err);
    }
  }

  async stat(p: string): Promise<ObjectStat | null> {
    try {
      const st = await fs.stat(this.abs(p));
      return st.isFile() ? { size: st.size } : null;
    } catch {
      return null;
    }
  }

  async remove(p: string): Promise<void> {
    if (this.dryRun) return;
    try {
      await fs.rm(this.abs(p), { recursive: true, force: true });
    } catch (err) {
      throw storageError(`${this.name}: cannot remove ${p}: ${(err as Error).message}`, err);
    }
  }

  /** Removes staging areas left by processes that no longer exist (kill -9). */
  async sweepStale(): Promise<void> {
    const dir = path.join(this.root, TMP_DIR);
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
      const pid = Number(name.split('-')[0]);
      if (pid > 0 && pid !== process.pid && !processAlive(pid)) {
        await fs.rm(path.join(dir, name), { recursive: true, force: true });
      }
    }
  }
}

function processAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}
