// Local directory storage. Every object is built under `.permafrost-tmp/` (with any
// directories it needs that do not exist yet), fsynced, then the topmost new entry is moved
// into place and its parent fsynced: a crash leaves either nothing or the whole object, and a
// `metadata/…/<LVL>_<TS>` directory never appears without its `metadata` file inside.
// Publishing is create-only: a new file is link(2)ed to its name, which fails if the name is
// taken; a new directory is renamed onto a name that does not exist, or only an empty
// directory (rename(2) refuses a non-empty one). `.permafrost-tmp/` goes when empty.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ObjectStore, ObjectStat, PartUpload, PutObjectOptions, StorageFault, checkObjectPath } from './storage.js';
import { pidAlive, type HeldLock, type LockRequest } from './lock.js';
import { lockLocalFile } from './local-lock.js';
import { WriteBehind } from './write-behind.js';
import { writeAllAt } from '../bytes/write-all.js';
import { makeDirs, MakeDirsError } from '../base/make-dirs.js';

const TMP_DIR = '.permafrost-tmp';
/** Not objects of the layout: never listed. */
const OWN_DIRS = new Set([TMP_DIR, '.permafrost-locks']);
/** Each round is lost only to a put that created a directory ours needs: the path is finite. */
const MAX_PUBLISH_ROUNDS = 16;
/** Tries to make a staging file whose directory another process's cleanup removed meanwhile. */
const MAX_STAGE_TRIES = 8;

async function fsyncPath(p: string): Promise<void> {
  const fh = await fs.open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

const codeOf = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** ENOSPC, EACCES, EROFS… do not heal by themselves; only EIO-like hiccups are worth a retry. */
function faultOf(err: unknown): 'not-found' | 'retryable' | 'permanent' {
  const code = codeOf(err);
  if (code === 'ENOENT') return 'not-found';
  return code === 'EIO' || code === 'EAGAIN' || code === 'EBUSY' ? 'retryable' : 'permanent';
}

export class LocalStore implements ObjectStore {
  readonly name: string;
  readonly minPartSize = 1;
  readonly anySizeParts = true;
  private rootReady: Promise<void> | null = null;
  /**
   * @param label how messages name the root (`--container`, or a job file section's key), so
   *   a container that cannot be a directory is reported in the operator's words.
   */
  constructor(
    readonly root: string,
    private readonly label = '--container',
  ) {
    this.name = `local:${root}`;
  }

  private abs(p: string): string {
    return path.join(this.root, checkObjectPath(p));
  }

  private fail(what: string, p: string, err: unknown): StorageFault {
    if (err instanceof StorageFault) return err;
    if (err instanceof MakeDirsError)
      return new StorageFault('permanent', `${this.name}: cannot ${what} ${p}: ${err.message}`, { cause: err });
    const f = faultOf(err);
    const detail = f === 'not-found' ? 'object not found' : (err as Error).message;
    return new StorageFault(f, `${this.name}: cannot ${what} ${p}: ${detail}`, { cause: err });
  }

  private exists(p: string): StorageFault {
    return new StorageFault('exists', `${this.name}: ${p} exists already; it was left as it is`);
  }

  /** The root, made on the first write; a root that cannot be a directory is named as such. */
  private ensureRoot(): Promise<void> {
    this.rootReady ??= makeDirs(this.root).catch((err) => {
      this.rootReady = null;
      const detail = err instanceof MakeDirsError ? err.describeFor(this.label) : `${this.label} ${this.root}: ${(err as Error).message}`;
      throw new StorageFault('permanent', detail, { cause: err });
    });
    return this.rootReady;
  }

  /** Fails when the root exists and is not a directory (every action checks this first). */
  async checkRoot(): Promise<void> {
    const st = await fs.stat(this.root).catch(() => null);
    if (st && !st.isDirectory()) throw new StorageFault('permanent', `${this.label} ${this.root} is a file, not a directory`);
  }

  private async firstMissing(target: string): Promise<string> {
    let missing = target;
    for (let dir = path.dirname(target); dir.length >= this.root.length; dir = path.dirname(dir)) {
      if (await exists(dir)) break;
      missing = dir;
    }
    return missing;
  }

  /** A new staging file under `.permafrost-tmp/`, whose directory another run may be removing. */
  private async stageFile(): Promise<{ work: string; staged: string; fh: fs.FileHandle }> {
    await this.ensureRoot();
    for (let attempt = 1; ; attempt++) {
      const work = path.join(this.root, TMP_DIR, `${process.pid}-${randomBytes(6).toString('hex')}`);
      const staged = path.join(work, 'object');
      try {
        await makeDirs(work);
        return { work, staged, fh: await fs.open(staged, 'wx', 0o600) };
      } catch (err) {
        if (codeOf(err) !== 'ENOENT' || attempt >= MAX_STAGE_TRIES) throw err;
      }
    }
  }

  /** Removes a staging area, then `.permafrost-tmp/` itself if nothing else is in it. */
  private async unstage(work: string): Promise<void> {
    await fs.rm(work, { recursive: true, force: true });
    await fs.rmdir(path.join(this.root, TMP_DIR)).catch(() => {});
  }

  /** Moves the complete staged file to `target`: the file itself, or its topmost new directory. */
  private async publish(work: string, staged: string, target: string, overwrite: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const top = await this.firstMissing(target);
      if (top === target) {
        try {
          if (overwrite) await fs.rename(staged, target);
          else await fs.link(staged, target);
        } catch (err) {
          if (codeOf(err) === 'EEXIST') throw this.exists(path.relative(this.root, target));
          throw err;
        }
        await fsyncPath(path.dirname(target));
        return;
      }
      const stagedTarget = path.join(work, 'tree', path.relative(path.dirname(top), target));
      await makeDirs(path.dirname(stagedTarget));
      await fs.rename(staged, stagedTarget);
      await fsyncPath(path.dirname(stagedTarget));
      try {
        await fs.rename(path.join(work, 'tree', path.basename(top)), top);
        await fsyncPath(path.dirname(top));
        return;
      } catch (err) {
        // Another put created the same new directory meanwhile (a backup's objects are stored
        // side by side): ours goes inside it on the next round.
        const code = codeOf(err);
        if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt >= MAX_PUBLISH_ROUNDS) throw err;
        await fs.rename(stagedTarget, staged);
        await fs.rm(path.join(work, 'tree'), { recursive: true, force: true });
      }
    }
  }

  /** Creates the staging file for `p`; `publish` moves it (and new parents) into place. */
  private async stage(p: string, overwrite = false) {
    const target = this.abs(p);
    const { work, staged, fh } = await this.stageFile();
    const behind = new WriteBehind(fh.fd);
    const publish = async () => {
      await behind.idle();
      await fh.sync();
      await fh.close();
      await this.publish(work, staged, target, overwrite);
      await this.unstage(work);
    };
    const discard = async () => {
      await behind.idle();
      await fh.close().catch(() => {});
      await this.unstage(work).catch(() => {});
    };
    return { fh, behind, publish, discard };
  }

  async putObject(p: string, data: Buffer, options?: PutObjectOptions): Promise<void> {
    const s = await this.stage(p, options?.overwrite).catch((err) => {
      throw this.fail('write', p, err);
    });
    try {
      await writeAllAt(s.fh, data, 0);
      await s.publish();
    } catch (err) {
      await s.discard();
      throw this.fail('write', p, err);
    }
  }

  async openUpload(p: string): Promise<PartUpload> {
    if (await exists(this.abs(p))) throw this.exists(p);
    const s = await this.stage(p).catch((err) => {
      throw this.fail('write', p, err);
    });
    return {
      putPart: async (_index, offset, data) => {
        try {
          await writeAllAt(s.fh, data, offset);
        } catch (err) {
          throw this.fail('write', p, err);
        }
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

  lock(request: LockRequest): Promise<HeldLock> {
    return this.ensureRoot().then(() => lockLocalFile(this.root, this.name, request));
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
      return names.filter((n) => !OWN_DIRS.has(n)).sort();
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

  async pruneDir(prefix: string): Promise<void> {
    await fs.rmdir(this.abs(prefix)).catch(() => {});
  }

  /** Removes staging areas left by processes that no longer exist (kill -9). */
  async sweepStale(): Promise<void> {
    const dir = path.join(this.root, TMP_DIR);
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
      const pid = Number(name.split('-')[0]);
      if (pid > 0 && pid !== process.pid && !pidAlive(pid)) {
        await fs.rm(path.join(dir, name), { recursive: true, force: true });
      }
    }
    await fs.rmdir(dir).catch(() => {});
  }
}
