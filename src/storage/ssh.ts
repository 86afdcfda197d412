// SSH storage (Freezer's `--storage ssh`): the same tree as local storage, under the container
// directory on the remote host, over SFTP (ssh2). Host keys are checked against known_hosts
// (Freezer accepts any key; we refuse unknown ones unless --ssh-accept-new-host-key, and a
// changed key always). Objects are written under `<container>/.permafrost-tmp/` and renamed
// into place with posix-rename@openssh.com, new parent directories included, so a reader sees
// all of an object or nothing, as with local storage. Retries are not done here: faults are
// classified (refused/reset/timeout: retryable; auth, host key, permission, full disk:
// permanent) and the retry decorator calls again; a dropped connection is re-opened lazily.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import ssh2 from 'ssh2';
import type { Client as SshClient, ConnectConfig, SFTPWrapper, Stats, FileEntryWithStats, ServerHostKeyAlgorithm, OpenMode } from 'ssh2';
import type { Logger } from '../cli/log.js';
import { usageError } from '../errors.js';
import type { StorageSettings } from './open.js';
import { ObjectStore, ObjectStat, PartUpload, StorageFault, FaultKind, checkObjectPath } from './storage.js';
import {
  appendKnownHost, checkHostKey, keyTypeOf, knownHostName, knownKeyTypes, readKnownHosts,
} from './known-hosts.js';

const { Client, utils } = ssh2;

const TMP_DIR = '.permafrost-tmp';
/** SFTP status codes (draft-ietf-secsh-filexfer-02). */
const FX = { EOF: 1, NO_SUCH_FILE: 2, PERMISSION_DENIED: 3, FAILURE: 4, BAD_MESSAGE: 5, NO_CONNECTION: 6, CONNECTION_LOST: 7, OP_UNSUPPORTED: 8 } as const;
/** Requests in flight per transfer: with ~256 KiB requests, a few MiB on the wire. */
const WRITE_DEPTH = 16;
const READ_DEPTH = 8;
const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

export interface SshStoreOptions {
  host: string;
  port: number;
  username: string;
  /** Used when non-empty; otherwise `privateKey` (as Freezer). */
  password?: string;
  privateKey?: Buffer;
  /** For messages only. */
  keyFile?: string;
  /** Where unknown keys are appended with `acceptNewHostKey`. */
  knownHostsFile: string;
  /** Also read (never written): the system-wide file. */
  extraKnownHosts?: string[];
  acceptNewHostKey: boolean;
  /** Remote directory: absolute, or relative to the login directory. */
  container: string;
  /** Connection set-up limit. */
  readyTimeoutMs?: number;
  log?: Logger;
}

interface Session {
  client: SshClient;
  sftp: SFTPWrapper;
  alive: boolean;
}

type Cb<T> = (err: Error | undefined | null, value?: T) => void;

function call<T = void>(fn: (cb: Cb<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      fn((err, value) => (err ? reject(err) : resolve(value as T)));
    } catch (err) {
      reject(err);
    }
  });
}

const codeOf = (err: unknown): unknown => (err as { code?: unknown })?.code;
const isFx = (err: unknown, code: number) => codeOf(err) === code;

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
  private session: Promise<Session> | null = null;
  /** Remote directories known to exist (saves a round trip per level and object). */
  private readonly dirs = new Set<string>();
  private readonly hostName: string;
  private hostKeyProblem: string | null = null;
  private closed = false;

  constructor(private readonly o: SshStoreOptions) {
    if (!o.container) throw usageError('--storage ssh needs a --container (a directory on the remote host)');
    this.base = remoteBase(o.container);
    // `…:22/srv/backups` for an absolute container, `…:22/~/backups` for one in the login directory.
    const shown = this.base.startsWith('/') ? this.base : `/~/${this.base === '.' ? '' : this.base}`;
    this.name = `ssh:${o.username}@${o.host}:${o.port}${shown}`;
    this.hostName = knownHostName(o.host, o.port);
  }

  private remote(p: string): string {
    checkObjectPath(p);
    return this.base === '/' ? `/${p}` : `${this.base}/${p}`;
  }

  private get tmpDir(): string {
    return this.base === '/' ? `/${TMP_DIR}` : `${this.base}/${TMP_DIR}`;
  }

  // ---- connection -------------------------------------------------------------------------

  private async sftp(): Promise<SFTPWrapper> {
    if (this.closed) throw new StorageFault('permanent', `${this.name}: the storage is closed`);
    if (!this.session) {
      const s = this.connect();
      this.session = s;
      s.catch(() => { if (this.session === s) this.session = null; });
    }
    return (await this.session).sftp;
  }

  private drop(s: Session): void {
    s.alive = false;
    this.session?.then((cur) => { if (cur === s) this.session = null; }, () => {});
  }

  private async connect(): Promise<Session> {
    const o = this.o;
    const entries = await readKnownHosts([o.knownHostsFile, ...(o.extraKnownHosts ?? [])]).catch((err) => {
      throw new StorageFault('permanent', `${this.name}: cannot read the known hosts file ${o.knownHostsFile}: ${(err as Error).message}`, { cause: err });
    });
    // Ask first for the key types known for this host, so a known host is checked against them.
    const known = knownKeyTypes(entries, this.hostName).flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
    const serverHostKey = [...known.filter((a) => HOST_KEY_ALGORITHMS.includes(a)), ...HOST_KEY_ALGORITHMS.filter((a) => !known.includes(a))];
    this.hostKeyProblem = null;
    const hostVerifier = (blob: Buffer, verify: (ok: boolean) => void): void => {
      const v = checkHostKey(entries, this.hostName, blob);
      const type = keyTypeOf(blob);
      if (v.status === 'known') return verify(true);
      if (v.status === 'revoked') {
        this.hostKeyProblem = `the ${type} host key of ${this.hostName} is marked @revoked in ${v.entry.file}:${v.entry.line}`;
        return verify(false);
      }
      if (v.status === 'changed') {
        this.hostKeyProblem = `HOST KEY CHANGED: the ${type} host key of ${this.hostName} is not the one in ${v.entry.file}:${v.entry.line} `
          + '(someone may be intercepting the connection, or the server was reinstalled); '
          + `if the change is expected, remove that line (ssh-keygen -R "${this.hostName}" -f ${v.entry.file})`;
        return verify(false);
      }
      if (!o.acceptNewHostKey) {
        this.hostKeyProblem = `unknown host key: ${this.hostName} (${type}) is not in ${o.knownHostsFile}; `
          + 'add it there (e.g. ssh-keyscan) or pass --ssh-accept-new-host-key to accept and record it';
        return verify(false);
      }
      appendKnownHost(o.knownHostsFile, this.hostName, blob).then(() => {
        o.log?.warn(`${this.name}: accepted the new ${type} host key of ${this.hostName} and added it to ${o.knownHostsFile}`);
        verify(true);
      }, (err: Error) => {
        this.hostKeyProblem = `cannot record the new host key in ${o.knownHostsFile}: ${err.message}`;
        verify(false);
      });
    };
    const config: ConnectConfig = {
      host: o.host,
      port: o.port,
      username: o.username,
      readyTimeout: o.readyTimeoutMs ?? 30_000,
      keepaliveInterval: 10_000,
      keepaliveCountMax: 3,
      hostVerifier,
      algorithms: { serverHostKey: serverHostKey as ServerHostKeyAlgorithm[] },
      tryKeyboard: false,
    };
    if (o.password) config.password = o.password;
    else config.privateKey = o.privateKey;

    const client = new Client();
    const session = await new Promise<Session>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        client.end();
        reject(this.connectFault(err));
      };
      client.once('ready', () => {
        client.sftp((err, sftp) => {
          if (err) return fail(err);
          settled = true;
          const s: Session = { client, sftp, alive: true };
          sftp.on('close', () => this.drop(s));
          sftp.on('error', (e: Error) => { o.log?.debug(`${this.name}: sftp channel error: ${e.message}`); this.drop(s); });
          client.on('close', () => this.drop(s));
          client.on('end', () => this.drop(s));
          resolve(s);
        });
      });
      // Errors after the connection is up (keepalive timeout, reset) drop it; the requests in
      // flight fail with "No response from server" and are retried on a new connection.
      client.on('error', (err) => {
        if (!settled) return fail(err);
        o.log?.debug(`${this.name}: connection error: ${err.message}`);
        void this.session?.then((s) => { if (s.client === client) this.drop(s); }, () => {});
      });
      client.once('close', () => fail(new Error('connection closed during set-up')));
      try {
        client.connect(config);
      } catch (err) {
        fail(err);
      }
    });
    o.log?.debug(`${this.name}: connected`);
    return session;
  }

  /** A fault for a failed connection attempt, with its cause in words. */
  private connectFault(err: unknown): StorageFault {
    if (err instanceof StorageFault) return err;
    const e = err as Error & { level?: string; code?: string };
    const msg = e?.message ?? String(err);
    const fault = (kind: FaultKind, why: string) => new StorageFault(kind, `${this.name}: ${why}`, { cause: err });
    if (this.hostKeyProblem) return fault('permanent', this.hostKeyProblem);
    switch (e?.level) {
      case 'client-authentication':
        return fault('permanent', `authentication failed for user ${this.o.username} (${this.o.password ? 'password' : `key ${this.o.keyFile ?? ''}`.trim()} refused by the server)`);
      case 'client-timeout':
        return fault('retryable', `connection timed out (${msg})`);
      case 'client-dns':
      case 'client-socket': {
        const code = e.code ?? '';
        if (code === 'ECONNREFUSED') return fault('retryable', `connection refused by ${this.o.host}:${this.o.port} (is the SSH server running?)`);
        if (code === 'ENOTFOUND') return fault('permanent', `unknown host ${this.o.host}`);
        return fault('retryable', `cannot connect to ${this.o.host}:${this.o.port}: ${msg}`);
      }
      case 'handshake':
      case 'protocol':
        return fault('permanent', `SSH handshake failed: ${msg}`);
      default:
        if (/Cannot parse privateKey|passphrase/i.test(msg)) return fault('permanent', `cannot use the key ${this.o.keyFile ?? ''}: ${msg}`);
        if (/subsystem/i.test(msg)) return fault('permanent', `the server refused the SFTP subsystem: ${msg}`);
        return fault('retryable', `connection failed: ${msg}`);
    }
  }

  /** A fault for a failed operation on `p`. */
  private fail(what: string, p: string, err: unknown): StorageFault {
    if (err instanceof StorageFault) return err;
    const code = codeOf(err);
    const msg = (err as Error)?.message ?? String(err);
    let kind: FaultKind;
    let detail = msg;
    switch (code) {
      case FX.NO_SUCH_FILE: kind = 'not-found'; detail = 'object not found'; break;
      case FX.PERMISSION_DENIED: kind = 'permanent'; detail = `permission denied (${msg})`; break;
      // OpenSSH's sftp-server reports ENOSPC, EDQUOT, EROFS… as a bare failure.
      case FX.FAILURE: kind = 'permanent'; detail = `the server failed it (${msg}; a full disk, a quota or a read-only file system?)`; break;
      case FX.NO_CONNECTION: case FX.CONNECTION_LOST: kind = 'retryable'; break;
      case FX.BAD_MESSAGE: case FX.OP_UNSUPPORTED: kind = 'permanent'; break;
      default:
        // A connection that went away under the request: worth another try on a new one.
        kind = /No response from server|Not connected|Keepalive timeout|ECONNRESET|EPIPE|socket|closed/i.test(msg) ? 'retryable' : 'permanent';
    }
    return new StorageFault(kind, `${this.name}: cannot ${what} ${p || '/'}: ${detail}`, { cause: err });
  }

  // ---- remote file system helpers -----------------------------------------------------------

  private async mkdirOne(sftp: SFTPWrapper, dir: string): Promise<void> {
    try {
      await call((cb) => sftp.mkdir(dir, { mode: 0o755 }, cb));
    } catch (err) {
      // EEXIST comes back as a bare FAILURE: it is fine if a directory is there now.
      const st = await call<Stats>((cb) => sftp.stat(dir, cb)).catch(() => null);
      if (st?.isDirectory()) return;
      throw err;
    }
  }

  /** mkdir -p, remembering what exists. */
  private async ensureDir(sftp: SFTPWrapper, dir: string, cache = true): Promise<void> {
    if (dir === '.' || dir === '/' || (cache && this.dirs.has(dir))) return;
    try {
      await this.mkdirOne(sftp, dir);
    } catch (err) {
      if (!isFx(err, FX.NO_SUCH_FILE)) throw err;
      await this.ensureDir(sftp, path.posix.dirname(dir), cache);
      await this.mkdirOne(sftp, dir);
    }
    if (cache) this.dirs.add(dir);
  }

  private async isDir(sftp: SFTPWrapper, dir: string): Promise<boolean> {
    if (this.dirs.has(dir)) return true;
    try {
      const st = await call<Stats>((cb) => sftp.stat(dir, cb));
      if (st.isDirectory()) { this.dirs.add(dir); return true; }
      return false;
    } catch (err) {
      if (isFx(err, FX.NO_SUCH_FILE)) return false;
      throw err;
    }
  }

  /** The topmost directory between the container and `target` that does not exist, or `target`. */
  private async firstMissing(sftp: SFTPWrapper, target: string): Promise<string> {
    let missing = target;
    for (let dir = path.posix.dirname(target); dir !== this.base && dir !== '.' && dir !== '/'; dir = path.posix.dirname(dir)) {
      if (await this.isDir(sftp, dir)) break;
      missing = dir;
    }
    return missing;
  }

  private async rename(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
    try {
      await call((cb) => sftp.ext_openssh_rename(from, to, cb));
    } catch (err) {
      if (!/does not support/i.test((err as Error).message)) throw err;
      // A server without posix-rename: plain SFTP rename refuses to replace, so remove first.
      await call((cb) => sftp.unlink(to, cb)).catch(() => {});
      await call((cb) => sftp.rename(from, to, cb));
    }
  }

  private async fsync(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
    try {
      await call((cb) => sftp.ext_openssh_fsync(handle, cb));
    } catch (err) {
      if (!/does not support/i.test((err as Error).message)) throw err;
    }
  }

  private async withHandle<T>(sftp: SFTPWrapper, file: string, flags: OpenMode, fn: (h: Buffer) => Promise<T>): Promise<T> {
    const h = await call<Buffer>((cb) => sftp.open(file, flags, { mode: 0o600 }, cb));
    let result: T;
    try {
      result = await fn(h);
    } catch (err) {
      await call((cb) => sftp.close(h, cb)).catch(() => {});
      throw err;
    }
    await call((cb) => sftp.close(h, cb));
    return result;
  }

  /** Writes `data` at `position`, with several write requests in flight. */
  private writeAll(sftp: SFTPWrapper, h: Buffer, data: Buffer, position: number): Promise<void> {
    const max = (sftp as unknown as { _maxWriteLen?: number })._maxWriteLen;
    const chunk = max && max > 0 ? Math.min(max, 1 << 20) : 32 * 1024;
    return new Promise((resolve, reject) => {
      if (data.length === 0) return resolve();
      let next = 0;
      let inFlight = 0;
      let failed = false;
      const pump = () => {
        while (!failed && inFlight < WRITE_DEPTH && next < data.length) {
          const at = next;
          const len = Math.min(chunk, data.length - at);
          next += len;
          inFlight += 1;
          try {
            sftp.write(h, data, at, len, position + at, (err) => {
              inFlight -= 1;
              if (failed) return;
              if (err) { failed = true; reject(err); return; }
              if (next >= data.length && inFlight === 0) resolve();
              else pump();
            });
          } catch (err) {
            failed = true;
            reject(err);
          }
        }
      };
      pump();
    });
  }

  private async removeTree(sftp: SFTPWrapper, target: string, isDir?: boolean): Promise<void> {
    if (isDir === undefined) {
      try {
        isDir = (await call<Stats>((cb) => sftp.lstat(target, cb))).isDirectory();
      } catch (err) {
        if (isFx(err, FX.NO_SUCH_FILE)) return;
        throw err;
      }
    }
    const ignoreAbsent = (err: unknown) => { if (!isFx(err, FX.NO_SUCH_FILE)) throw err; };
    if (!isDir) {
      await call((cb) => sftp.unlink(target, cb)).catch(ignoreAbsent);
      return;
    }
    let children: FileEntryWithStats[] = [];
    try {
      children = await call<FileEntryWithStats[]>((cb) => sftp.readdir(target, cb));
    } catch (err) {
      ignoreAbsent(err);
      return;
    }
    const todo = children.filter((c) => c.filename !== '.' && c.filename !== '..');
    for (let i = 0; i < todo.length; i += 16) {
      await Promise.all(todo.slice(i, i + 16).map((c) => this.removeTree(sftp, `${target}/${c.filename}`, c.attrs.isDirectory())));
    }
    await call((cb) => sftp.rmdir(target, cb)).catch(ignoreAbsent);
  }

  private forget(dir: string): void {
    for (const d of this.dirs) if (d === dir || d.startsWith(`${dir}/`)) this.dirs.delete(d);
  }

  // ---- staging --------------------------------------------------------------------------------

  /** A new, empty staging file's remote path. */
  private async stage(sftp: SFTPWrapper): Promise<string> {
    await this.ensureDir(sftp, this.base);
    await this.ensureDir(sftp, this.tmpDir);
    return `${this.tmpDir}/${process.pid}-${randomBytes(8).toString('hex')}`;
  }

  /** Moves a complete staging file to `p`: the file itself, or the topmost new directory. */
  private async publish(sftp: SFTPWrapper, staged: string, p: string): Promise<void> {
    const target = this.remote(p);
    for (let attempt = 0; ; attempt++) {
      const top = await this.firstMissing(sftp, target);
      if (top === target) {
        try {
          await this.rename(sftp, staged, target);
          return;
        } catch (err) {
          // A parent removed behind our back (stale cache): look again once.
          if (attempt >= 2 || !isFx(err, FX.NO_SUCH_FILE)) throw err;
          this.forget(path.posix.dirname(target));
          continue;
        }
      }
      // New parents: build them in the staging area and rename the topmost one into place.
      const work = `${staged}.d`;
      const rel = path.posix.relative(path.posix.dirname(top), target);
      const stagedTarget = `${work}/${rel}`;
      await this.ensureDir(sftp, path.posix.dirname(stagedTarget), false);
      await this.rename(sftp, staged, stagedTarget);
      try {
        await this.rename(sftp, `${work}/${path.posix.basename(top)}`, top);
      } catch (err) {
        // Someone else created `top` meanwhile (a non-empty directory cannot be replaced).
        await this.rename(sftp, stagedTarget, staged);
        await this.removeTree(sftp, work, true).catch(() => {});
        if (attempt >= 2) throw err;
        this.forget(top);
        continue;
      }
      for (let d = path.posix.dirname(target); d.length >= top.length; d = path.posix.dirname(d)) this.dirs.add(d);
      await this.removeTree(sftp, work, true).catch(() => {});
      return;
    }
  }

  private async discard(staged: string): Promise<void> {
    try {
      const sftp = await this.sftp();
      await call((cb) => sftp.unlink(staged, cb)).catch(() => {});
      await this.removeTree(sftp, `${staged}.d`).catch(() => {});
    } catch {
      // The connection is gone: the staging file stays in .permafrost-tmp/.
    }
  }

  // ---- ObjectStore ----------------------------------------------------------------------------

  async putObject(p: string, data: Buffer): Promise<void> {
    checkObjectPath(p);
    let staged: string | null = null;
    try {
      const sftp = await this.sftp();
      staged = await this.stage(sftp);
      const file = staged;
      await this.withHandle(sftp, file, 'w', async (h) => {
        await this.writeAll(sftp, h, data, 0);
        await this.fsync(sftp, h);
      });
      await this.publish(sftp, file, p);
    } catch (err) {
      if (staged) await this.discard(staged);
      throw this.fail('write', p, err);
    }
  }

  async openUpload(p: string): Promise<PartUpload> {
    checkObjectPath(p);
    let staged: string;
    try {
      const sftp = await this.sftp();
      staged = await this.stage(sftp);
      await this.withHandle(sftp, staged, 'w', async () => {});
    } catch (err) {
      throw this.fail('write', p, err);
    }
    const file = staged;
    let done = false;
    return {
      putPart: async (_index, offset, data) => {
        try {
          const sftp = await this.sftp();
          await this.withHandle(sftp, file, 'r+', (h) => this.writeAll(sftp, h, data, offset));
        } catch (err) {
          throw this.fail('write', p, err);
        }
      },
      complete: async (_parts, size) => {
        try {
          const sftp = await this.sftp();
          try {
            await this.withHandle(sftp, file, 'r+', async (h) => {
              await call((cb) => sftp.fsetstat(h, { size }, cb));
              await this.fsync(sftp, h);
            });
          } catch (err) {
            // A retry after a publish whose answer was lost: the object is already in place.
            if (isFx(err, FX.NO_SUCH_FILE) && done) return;
            if (isFx(err, FX.NO_SUCH_FILE) && (await this.stat(p))?.size === size) return;
            throw err;
          }
          done = true;
          await this.publish(sftp, file, p);
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
    let size: number;
    try {
      sftp = await this.sftp();
      h = await call<Buffer>((cb) => sftp.open(file, 'r', cb));
    } catch (err) {
      throw this.fail('read', p, err);
    }
    const max = (sftp as unknown as { _maxReadLen?: number })._maxReadLen;
    const chunk = max && max > 0 ? Math.min(max, 1 << 20) : 32 * 1024;
    const read = (at: number, len: number) => call<Buffer>((cb) => sftp.read(h, Buffer.allocUnsafe(len), 0, len, at, (err, n, buf) => cb(err, buf?.subarray(0, n))));
    const queue: { at: number; len: number; data: Promise<Buffer> }[] = [];
    try {
      size = (await call<Stats>((cb) => sftp.fstat(h, cb))).size;
      let next = offset;
      const fill = () => {
        while (queue.length < READ_DEPTH && next < size) {
          const len = Math.min(chunk, size - next);
          const data = read(next, len);
          data.catch(() => {}); // awaited in order below; never an unhandled rejection
          queue.push({ at: next, len, data });
          next += len;
        }
      };
      fill();
      while (queue.length) {
        const req = queue.shift()!;
        let buf = await req.data;
        // A short read (the server may cap replies): fetch the rest before moving on.
        while (buf.length < req.len) {
          const more = await read(req.at + buf.length, req.len - buf.length);
          if (more.length === 0) throw new Error(`the object ended at byte ${req.at + buf.length} instead of ${size}`);
          buf = Buffer.concat([buf, more]);
        }
        fill();
        yield buf;
      }
    } catch (err) {
      throw this.fail('read', p, err);
    } finally {
      sftp.close(h, () => {});
    }
  }

  async list(prefix: string): Promise<string[]> {
    try {
      const sftp = await this.sftp();
      const dir = prefix === '' ? this.base : this.remote(prefix);
      const entries = await call<FileEntryWithStats[]>((cb) => sftp.readdir(dir, cb));
      return entries.map((e) => e.filename).filter((n) => n !== '.' && n !== '..' && n !== TMP_DIR).sort();
    } catch (err) {
      if (isFx(err, FX.NO_SUCH_FILE)) return [];
      if (err instanceof Error && /invalid storage path/.test(err.message)) throw err;
      throw this.fail('list', prefix, err);
    }
  }

  async stat(p: string): Promise<ObjectStat | null> {
    const file = this.remote(p);
    try {
      const sftp = await this.sftp();
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
      const sftp = await this.sftp();
      this.forget(target);
      await this.removeTree(sftp, target);
    } catch (err) {
      throw this.fail('remove', p, err);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const s = this.session;
    this.session = null;
    if (!s) return;
    const session = await s.catch(() => null);
    if (!session) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      session.client.once('close', () => { clearTimeout(t); resolve(); });
      session.client.end();
    });
  }
}

const homeKnownHosts = () => path.join(os.homedir(), '.ssh', 'known_hosts');

function readKey(file: string, where: string): Buffer {
  let key: Buffer;
  try {
    key = fs.readFileSync(file);
  } catch (err) {
    throw usageError(`${where}: cannot read the SSH private key ${file}: ${(err as Error).message}`);
  }
  const parsed = utils.parseKey(key);
  if (parsed instanceof Error) {
    throw usageError(`${where}: cannot use the SSH private key ${file}: ${parsed.message}`
      + (/passphrase|encrypted/i.test(parsed.message) ? ' (keys protected by a passphrase are not supported; use an unencrypted key or --ssh-password)' : ''));
  }
  return key;
}

/** Builds the ssh backend from flat options or a `[storage:NAME]` section's keys. */
export async function openSshStore(s: StorageSettings, log: Logger): Promise<SshStore> {
  const inSection = Boolean(s.storages?.length);
  const where = inSection ? `[storage:${s.name}]` : '--storage ssh';
  const opt = (name: string) => (inSection ? `${name.replace(/-/g, '_')} (--${name})` : `--${name}`);
  const str = (k: string) => (typeof s[k] === 'string' && s[k] !== '' ? (s[k] as string) : undefined);
  const host = str('ssh_host');
  if (!host) throw usageError(`${where} needs ${opt('ssh-host')}`);
  const username = str('ssh_username');
  if (!username) throw usageError(`${where} needs ${opt('ssh-username')}`);
  const port = (s.ssh_port as number | undefined) ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw usageError(`invalid value for ${opt('ssh-port')}: ${port} is outside 1..65535`);
  const password = str('ssh_password');
  let keyFile = str('ssh_key');
  if (!password && !keyFile) {
    keyFile = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => path.join(os.homedir(), '.ssh', n)).find((f) => fs.existsSync(f));
    if (!keyFile) throw usageError(`${where} needs ${opt('ssh-key')} (a private key file) or ${opt('ssh-password')}`);
  }
  const privateKey = password ? undefined : readKey(keyFile!, where);
  const knownHostsFile = str('ssh_known_hosts');
  const container = str('container');
  if (!container) throw usageError(`${where} needs a container (a directory on the remote host)`);
  const timeout = typeof s.timeout === 'number' && s.timeout > 0 ? s.timeout : 30;
  return new SshStore({
    host, port, username, password, privateKey, keyFile,
    knownHostsFile: knownHostsFile ? path.resolve(knownHostsFile) : homeKnownHosts(),
    // The system-wide file is read too when the user's is the default one, as ssh does.
    extraKnownHosts: knownHostsFile ? [] : ['/etc/ssh/ssh_known_hosts'],
    acceptNewHostKey: Boolean(s.ssh_accept_new_host_key),
    container,
    readyTimeoutMs: Math.min(timeout, 60) * 1000,
    log,
  });
}
