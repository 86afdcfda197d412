// Local directory storage. Every object is built under `.permafrost-tmp/` (with any
// directories it needs that do not exist yet), fsynced, then the topmost new entry is renamed
// into place and its parent fsynced: a crash leaves either nothing or the whole object, and a
// `metadata/…/<LVL>_<TS>` directory never appears without its `metadata` file inside.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ObjectStore, ObjectStat, PartUpload, StorageFault, checkObjectPath } from './storage.js';
import { WriteBehind } from './write-behind.js';
import { writeAllAt } from '../pipeline/write-all.js';

const TMP_DIR = '.permafrost-tmp';
/** Each round is lost only to a put that created a directory ours needs: the path is finite. */
const MAX_PUBLISH_ROUNDS = 16;

async function fsyncPath(p: string): Promise<void> {
  const fh = await fs.open(p, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

async function exists(p: string): Promise<boolean> {
  try { await fs.lstat(p); return true; } catch { return false; }
}

/** ENOSPC, EACCES, EROFS… do not heal by themselves; only EIO-like hiccups are worth a retry. */
function faultOf(err: unknown): 'not-found' | 'retryable' | 'permanent' {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'not-found';
  return code === 'EIO' || code === 'EAGAIN' || code === 'EBUSY' ? 'retryable' : 'permanent';
}

export class LocalStore implements ObjectStore {
  readonly name: string;
  readonly minPartSize = 1;
  readonly anySizeParts = true;
  constructor(readonly root: string) {
    this.name = `local:${root}`;
  }

  private abs(p: string): string {
    return path.join(this.root, checkObjectPath(p));
  }

  private fail(what: string, p: string, err: unknown): StorageFault {
    const f = faultOf(err);
    const detail = f === 'not-found' ? 'object not found' : (err as Error).message;
    return new StorageFault(f, `${this.name}: cannot ${what} ${p}: ${detail}`, { cause: err });
  }

  private async firstMissing(target: string): Promise<string> {
    let missing = target;
    for (let dir = path.dirname(target); dir.length >= this.root.length; dir = path.dirname(dir)) {
      if (await exists(dir)) break;
      missing = dir;
    }
    return missing;
  }

  /** Creates the staging file for `p`; `publish` moves it (and new parents) into place. */
  private async stage(p: string) {
    const target = this.abs(p);
    await fs.mkdir(this.root, { recursive: true });
    const work = path.join(this.root, TMP_DIR, `${process.pid}-${randomBytes(6).toString('hex')}`);
    const staged = path.join(work, 'object');
    await fs.mkdir(work, { recursive: true });
    const fh = await fs.open(staged, 'wx', 0o600);
    const behind = new WriteBehind(fh.fd);
    const publish = async () => {
      await behind.idle();
      await fh.sync();
      await fh.close();
      for (let attempt = 1; ; attempt++) {
        const top = await this.firstMissing(target);
        const stagedTarget = path.join(work, 'tree', path.relative(path.dirname(top), target));
        await fs.mkdir(path.dirname(stagedTarget), { recursive: true });
        await fs.rename(staged, stagedTarget);
        if (top !== target) await fsyncPath(path.dirname(stagedTarget));
        try {
          await fs.rename(path.join(work, 'tree', path.basename(top)), top);
          await fsyncPath(path.dirname(top));
          break;
        } catch (err) {
          // Another put created the same new directory meanwhile (a backup's objects are stored
          // side by side): ours goes inside it on the next round.
          const code = (err as NodeJS.ErrnoException).code;
          if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || top === target || attempt >= MAX_PUBLISH_ROUNDS) throw err;
          await fs.rename(stagedTarget, staged);
          await fs.rm(path.join(work, 'tree'), { recursive: true, force: true });
        }
      }
      await fs.rm(work, { recursive: true, force: true });
    };
    const discard = async () => {
      await behind.idle();
      await fh.close().catch(() => {});
      await fs.rm(work, { recursive: true, force: true }).catch(() => {});
    };
    return { fh, behind, publish, discard };
  }

  async putObject(p: string, data: Buffer): Promise<void> {
    const s = await this.stage(p).catch((err) => { throw this.fail('write', p, err); });
    try {
      await writeAllAt(s.fh, data, 0);
      await s.publish();
    } catch (err) {
      await s.discard();
      throw this.fail('write', p, err);
    }
  }

  async openUpload(p: string): Promise<PartUpload> {
    const s = await this.stage(p).catch((err) => { throw this.fail('write', p, err); });
    return {
      putPart: async (_index, offset, data) => {
        try { await writeAllAt(s.fh, data, offset); } catch (err) { throw this.fail('write', p, err); }
        s.behind.wrote(offset, data.length);
      },
      complete: async (_parts, size) => {
        try {
          await s.fh.truncate(size);
          await s.publish();
        } catch (err) {
          await s.discard();
          throw this.fail('write', p, err);
        }
      },
      abort: s.discard,
    };
  }

  async *get(p: string, offset = 0): AsyncIterable<Buffer> {
    const stream = createReadStream(this.abs(p), { highWaterMark: 1 << 20, start: offset });
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (err) {
      throw this.fail('read', p, err);
    }
  }

  async list(prefix: string): Promise<string[]> {
    try {
      const names = await fs.readdir(prefix === '' ? this.root : this.abs(prefix));
      return names.filter((n) => n !== TMP_DIR).sort();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw this.fail('list', prefix, err);
    }
  }

  async stat(p: string): Promise<ObjectStat | null> {
    try {
      const st = await fs.stat(this.abs(p));
      return st.isFile() ? { size: st.size } : null;
    } catch (err) {
      if (faultOf(err) === 'not-found' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw this.fail('stat', p, err);
    }
  }

  async remove(p: string): Promise<void> {
    try {
      await fs.rm(this.abs(p), { recursive: true, force: true });
    } catch (err) {
      throw this.fail('remove', p, err);
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
