// SSH storage (Freezer's `--storage ssh`): the same tree as local storage, under the container
// directory on the remote host, over SFTP (ssh2; the connection and host key checks are in
// ssh-connection.ts, the file primitives in sftp-files.ts). Objects are written under
// `<container>/.permafrost-tmp/` and renamed into place, new parent directories included, so
// a reader sees all of an object or nothing, as with local storage. The rename is plain SFTP
// rename, which never replaces a name that exists: publishing is create-only (only a lock's
// own refresh replaces, with posix-rename@openssh.com). `.permafrost-tmp/` goes when empty. Retries are not done here: faults are classified (refused/reset/timeout: retryable;
// auth, host key, permission, full disk: permanent) and the retry decorator calls again; a
// dropped connection is re-opened lazily.
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SFTPWrapper, Stats, FileEntryWithStats } from 'ssh2';
import { usageError } from '../base/errors.js';
import { ObjectStore, ObjectStat, PartUpload, PutObjectOptions, StorageFault, FaultKind, checkObjectPath } from './storage.js';
import { SshConnection, SshConnectionOptions } from './ssh-connection.js';
import {
  FX,
  call,
  codeOf,
  isFx,
  ensureDir,
  firstMissing,
  rename,
  renameNoReplace,
  fsync,
  withHandle,
  writeAll,
  readRange,
  removeTree,
} from './sftp-files.js';

const TMP_DIR = '.permafrost-tmp';
/** Not objects of the layout: never listed. */
const OWN_DIRS = new Set([TMP_DIR, '.permafrost-locks']);
/** Tries to make a staging file whose directory another run's cleanup removed meanwhile. */
const MAX_STAGE_TRIES = 8;

export interface SshStoreOptions extends SshConnectionOptions {
  /** Remote directory: absolute, or relative to the login directory. */
  container: string;
}

/** The container as an SFTP path: absolute, or relative to the login directory (`~/x` is `x`). */
function remoteBase(container: string): string {
  let c = container.replace(/\/+$/, '');
  if (c === '' && container.startsWith('/')) return '/';
  if (c === '~') return '.';
  if (c.startsWith('~/')) c = c.slice(2).replace(/^\/+/, '') || '.';
  return c;
}

export class SshStore implements ObjectStore {
  readonly name: string;
  readonly minPartSize = 1;
  private readonly base: string;
  private readonly conn: SshConnection;
  /** Remote directories known to exist (saves a round trip per level and object). */
  private readonly dirs = new Set<string>();

  constructor(private readonly opts: SshStoreOptions) {
    if (!opts.container) throw usageError('--storage ssh needs a --container (a directory on the remote host)');
    this.base = remoteBase(opts.container);
    // `…:22/srv/backups` for an absolute container, `…:22/~/backups` for one in the login directory.
    const shown = this.base.startsWith('/') ? this.base : `/~/${this.base === '.' ? '' : this.base}`;
    this.name = `ssh:${opts.username}@${opts.host}:${opts.port}${shown}`;
    this.conn = new SshConnection(opts, this.name);
  }

  private remote(p: string): string {
    checkObjectPath(p);
    return this.base === '/' ? `/${p}` : `${this.base}/${p}`;
  }

  private get tmpDir(): string {
    return this.base === '/' ? `/${TMP_DIR}` : `${this.base}/${TMP_DIR}`;
  }

  /** A fault for a failed operation on `p`. */
  private fail(what: string, p: string, err: unknown): StorageFault {
    if (err instanceof StorageFault) return err;
    const code = codeOf(err);
    const msg = (err as Error)?.message ?? String(err);
    let kind: FaultKind;
    let detail = msg;
    switch (code) {
      case FX.NO_SUCH_FILE:
        kind = 'not-found';
        detail = 'object not found';
        break;
      case FX.PERMISSION_DENIED:
        kind = 'permanent';
        detail = `permission denied (${msg})`;
        break;
      // OpenSSH's sftp-server reports ENOSPC, EDQUOT, EROFS… as a bare failure.
      case FX.FAILURE:
        kind = 'permanent';
        detail = `the server failed it (${msg}; a full disk, a quota or a read-only file system?)`;
        break;
      case FX.NO_CONNECTION:
      case FX.CONNECTION_LOST:
        kind = 'retryable';
        break;
      case FX.BAD_MESSAGE:
      case FX.OP_UNSUPPORTED:
        kind = 'permanent';
        break;
      default:
        // A connection that went away under the request: worth another try on a new one.
        kind = /No response from server|Not connected|Keepalive timeout|ECONNRESET|EPIPE|socket|closed/i.test(msg)
          ? 'retryable'
          : 'permanent';
    }
    return new StorageFault(kind, `${this.name}: cannot ${what} ${p || '/'}: ${detail}`, { cause: err });
  }

  private forget(dir: string): void {
    for (const d of this.dirs) if (d === dir || d.startsWith(`${dir}/`)) this.dirs.delete(d);
  }

  // ---- staging --------------------------------------------------------------------------------

  /** A new, empty staging file's remote path. */
  private async stage(sftp: SFTPWrapper): Promise<string> {
    await ensureDir(sftp, this.base, this.dirs);
    for (let attempt = 1; ; attempt++) {
      await ensureDir(sftp, this.tmpDir, this.dirs);
      const file = `${this.tmpDir}/${process.pid}-${randomBytes(8).toString('hex')}`;
      try {
        await withHandle(sftp, file, 'wx', async () => {});
        return file;
      } catch (err) {
        // Another run removed the (empty) staging directory after we last saw it.
        if (!isFx(err, FX.NO_SUCH_FILE) || attempt >= MAX_STAGE_TRIES) throw err;
        this.forget(this.tmpDir);
      }
    }
  }

  private exists(p: string): StorageFault {
    return new StorageFault('exists', `${this.name}: ${p} exists already; it was left as it is`);
  }

  /** A rename onto `to` failed: `exists` if something is there now, else the failure itself. */
  private async refused(sftp: SFTPWrapper, to: string, p: string, err: unknown): Promise<unknown> {
    const there = await call<Stats>((cb) => sftp.lstat(to, cb)).then(
      () => true,
      () => false,
    );
    return there ? this.exists(p) : err;
  }

  /** Moves a complete staging file to `p`: the file itself, or the topmost new directory. */
  private async publish(sftp: SFTPWrapper, staged: string, p: string, overwrite: boolean): Promise<void> {
    const target = this.remote(p);
    for (let attempt = 0; ; attempt++) {
      const top = await firstMissing(sftp, this.base, target, this.dirs);
      if (top === target) {
        try {
          await (overwrite ? rename : renameNoReplace)(sftp, staged, target);
          return;
        } catch (err) {
          // A parent removed behind our back (stale cache): look again once.
          if (attempt < 2 && isFx(err, FX.NO_SUCH_FILE)) {
            this.forget(path.posix.dirname(target));
            continue;
          }
          throw await this.refused(sftp, target, p, err);
        }
      }
      // New parents: build them in the staging area and rename the topmost one into place.
      const work = `${staged}.d`;
      const rel = path.posix.relative(path.posix.dirname(top), target);
      const stagedTarget = `${work}/${rel}`;
      await ensureDir(sftp, path.posix.dirname(stagedTarget));
      await rename(sftp, staged, stagedTarget);
      try {
        await renameNoReplace(sftp, `${work}/${path.posix.basename(top)}`, top);
      } catch (err) {
        // Someone else created `top` meanwhile: ours goes inside it on the next round.
        await rename(sftp, stagedTarget, staged);
        await removeTree(sftp, work, true).catch(() => {});
        if (attempt >= 2) throw err;
        this.forget(top);
        continue;
      }
      for (let d = path.posix.dirname(target); d.length >= top.length; d = path.posix.dirname(d)) this.dirs.add(d);
      await removeTree(sftp, work, true).catch(() => {});
      return;
    }
  }

  /** `.permafrost-tmp/` once nothing is staged in it any more (by us or another run). */
  private async pruneTmp(sftp: SFTPWrapper): Promise<void> {
    this.forget(this.tmpDir);
    await call((cb) => sftp.rmdir(this.tmpDir, cb)).catch(() => {});
  }

  private async discard(staged: string): Promise<void> {
    try {
      const sftp = await this.conn.sftp();
      await call((cb) => sftp.unlink(staged, cb)).catch(() => {});
      await removeTree(sftp, `${staged}.d`).catch(() => {});
      await this.pruneTmp(sftp);
    } catch {
      // The connection is gone: the staging file stays in .permafrost-tmp/.
    }
  }

  // ---- ObjectStore ----------------------------------------------------------------------------

  async putObject(p: string, data: Buffer, options?: PutObjectOptions): Promise<void> {
    checkObjectPath(p);
    let staged: string | null = null;
    try {
      const sftp = await this.conn.sftp();
      staged = await this.stage(sftp);
      const file = staged;
      await withHandle(sftp, file, 'r+', async (h) => {
        await writeAll(sftp, h, data, 0);
        await fsync(sftp, h);
      });
      await this.publish(sftp, file, p, options?.overwrite === true);
      await this.pruneTmp(sftp);
    } catch (err) {
      if (staged) await this.discard(staged);
      throw this.fail('write', p, err);
    }
  }

  async openUpload(p: string): Promise<PartUpload> {
    checkObjectPath(p);
    let staged: string;
    try {
      const sftp = await this.conn.sftp();
      if (
        await call<Stats>((cb) => sftp.lstat(this.remote(p), cb)).then(
          () => true,
          () => false,
        )
      )
        throw this.exists(p);
      staged = await this.stage(sftp);
    } catch (err) {
      throw this.fail('write', p, err);
    }
    const file = staged;
    let done = false;
    return {
      putPart: async (_index, offset, data) => {
        try {
          const sftp = await this.conn.sftp();
          await withHandle(sftp, file, 'r+', (h) => writeAll(sftp, h, data, offset));
        } catch (err) {
          throw this.fail('write', p, err);
        }
      },
      complete: async (_parts, size) => {
        try {
          const sftp = await this.conn.sftp();
          try {
            await withHandle(sftp, file, 'r+', async (h) => {
              await call((cb) => sftp.fsetstat(h, { size }, cb));
              await fsync(sftp, h);
            });
          } catch (err) {
            // A retry after a publish whose answer was lost: the object is already in place.
            if (isFx(err, FX.NO_SUCH_FILE) && done) return;
            if (isFx(err, FX.NO_SUCH_FILE) && (await this.stat(p))?.size === size) return;
            throw err;
          }
          done = true;
          await this.publish(sftp, file, p, false);
          await this.pruneTmp(sftp);
        } catch (err) {
          throw this.fail('write', p, err);
        }
      },
      abort: () => this.discard(file),
    };
  }

  async *get(p: string, offset = 0): AsyncIterable<Buffer> {
    const file = this.remote(p);
    let sftp: SFTPWrapper;
    let h: Buffer;
    try {
      sftp = await this.conn.sftp();
      h = await call<Buffer>((cb) => sftp.open(file, 'r', cb));
    } catch (err) {
      throw this.fail('read', p, err);
    }
    try {
      const size = (await call<Stats>((cb) => sftp.fstat(h, cb))).size;
      yield* readRange(sftp, h, offset, size);
    } catch (err) {
      throw this.fail('read', p, err);
    } finally {
      sftp.close(h, () => {});
    }
  }

  async list(prefix: string): Promise<string[]> {
    try {
      const sftp = await this.conn.sftp();
      const dir = prefix === '' ? this.base : this.remote(prefix);
      const entries = await call<FileEntryWithStats[]>((cb) => sftp.readdir(dir, cb));
      return entries
        .map((e) => e.filename)
        .filter((n) => n !== '.' && n !== '..' && !OWN_DIRS.has(n))
        .sort();
    } catch (err) {
      if (isFx(err, FX.NO_SUCH_FILE)) return [];
      if (err instanceof Error && /invalid storage path/.test(err.message)) throw err;
      throw this.fail('list', prefix, err);
    }
  }

  async stat(p: string): Promise<ObjectStat | null> {
    const file = this.remote(p);
    try {
      const sftp = await this.conn.sftp();
      const st = await call<Stats>((cb) => sftp.stat(file, cb));
      return st.isFile() ? { size: st.size } : null;
    } catch (err) {
      if (isFx(err, FX.NO_SUCH_FILE)) return null;
      throw this.fail('stat', p, err);
    }
  }

  async remove(p: string): Promise<void> {
    const target = this.remote(p);
    try {
      const sftp = await this.conn.sftp();
      this.forget(target);
      await removeTree(sftp, target);
    } catch (err) {
      throw this.fail('remove', p, err);
    }
  }

  async pruneDir(prefix: string): Promise<void> {
    try {
      const sftp = await this.conn.sftp();
      const dir = this.remote(prefix);
      this.forget(dir);
      await call((cb) => sftp.rmdir(dir, cb));
    } catch {
      // Not empty, gone already, or the connection is: it stays.
    }
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}
