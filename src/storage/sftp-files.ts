// SFTP file primitives over an ssh2 SFTPWrapper, for the ssh storage: promises instead of
// callbacks, mkdir -p, renames that replace or not, fsync, pipelined reads and writes, rm -r. Errors
// are passed on as ssh2 reports them (SFTP status in `code`, see FX); the caller classifies.
import path from 'node:path';
import type { SFTPWrapper, Stats, FileEntryWithStats, OpenMode } from 'ssh2';

/** SFTP status codes (draft-ietf-secsh-filexfer-02). */
export const FX = {
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
  OP_UNSUPPORTED: 8,
} as const;
/** Requests in flight per transfer: with ~256 KiB requests, a few MiB on the wire. */
const WRITE_DEPTH = 16;
const READ_DEPTH = 8;

type Cb<T> = (err: Error | undefined | null, value?: T) => void;

export function call<T = void>(fn: (cb: Cb<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      fn((err, value) => (err ? reject(err) : resolve(value as T)));
    } catch (err) {
      reject(err);
    }
  });
}

export const codeOf = (err: unknown): unknown => (err as { code?: unknown })?.code;
export const isFx = (err: unknown, code: number) => codeOf(err) === code;

async function mkdirOne(sftp: SFTPWrapper, dir: string): Promise<void> {
  try {
    await call((cb) => sftp.mkdir(dir, { mode: 0o755 }, cb));
  } catch (err) {
    // EEXIST comes back as a bare FAILURE: it is fine if a directory is there now.
    const st = await call<Stats>((cb) => sftp.stat(dir, cb)).catch(() => null);
    if (st?.isDirectory()) return;
    throw err;
  }
}

/**
 * mkdir -p. `known`, when given, holds directories known to exist (saves a round trip per level
 * and object) and is kept up to date.
 */
export async function ensureDir(sftp: SFTPWrapper, dir: string, known?: Set<string>): Promise<void> {
  if (dir === '.' || dir === '/' || known?.has(dir)) return;
  try {
    await mkdirOne(sftp, dir);
  } catch (err) {
    if (!isFx(err, FX.NO_SUCH_FILE)) throw err;
    await ensureDir(sftp, path.posix.dirname(dir), known);
    await mkdirOne(sftp, dir);
  }
  known?.add(dir);
}

export async function isDir(sftp: SFTPWrapper, dir: string, known: Set<string>): Promise<boolean> {
  if (known.has(dir)) return true;
  try {
    const st = await call<Stats>((cb) => sftp.stat(dir, cb));
    if (st.isDirectory()) {
      known.add(dir);
      return true;
    }
    return false;
  } catch (err) {
    if (isFx(err, FX.NO_SUCH_FILE)) return false;
    throw err;
  }
}

/** The topmost directory between `base` and `target` that does not exist, or `target`. */
export async function firstMissing(sftp: SFTPWrapper, base: string, target: string, known: Set<string>): Promise<string> {
  let missing = target;
  for (let dir = path.posix.dirname(target); dir !== base && dir !== '.' && dir !== '/'; dir = path.posix.dirname(dir)) {
    if (await isDir(sftp, dir, known)) break;
    missing = dir;
  }
  return missing;
}

/**
 * Create-only rename: plain SFTP rename, which never replaces (the protocol makes an existing
 * `to` an error; OpenSSH's sftp-server links a file to its new name, and renames a directory
 * only onto a name that does not exist).
 */
export function renameNoReplace(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  return call((cb) => sftp.rename(from, to, cb));
}

/** Rename that replaces `to` (posix-rename@openssh.com where the server has it). */
export async function rename(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  try {
    await call((cb) => sftp.ext_openssh_rename(from, to, cb));
  } catch (err) {
    if (!/does not support/i.test((err as Error).message)) throw err;
    // A server without posix-rename: plain SFTP rename refuses to replace, so remove first.
    await call((cb) => sftp.unlink(to, cb)).catch(() => {});
    await call((cb) => sftp.rename(from, to, cb));
  }
}

export async function fsync(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
  try {
    await call((cb) => sftp.ext_openssh_fsync(handle, cb));
  } catch (err) {
    if (!/does not support/i.test((err as Error).message)) throw err;
  }
}

export async function withHandle<T>(sftp: SFTPWrapper, file: string, flags: OpenMode, fn: (h: Buffer) => Promise<T>): Promise<T> {
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
export function writeAll(sftp: SFTPWrapper, h: Buffer, data: Buffer, position: number): Promise<void> {
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
            if (err) {
              failed = true;
              reject(err);
              return;
            }
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

/** Reads `h` from `offset` up to `size`, with several read requests in flight. */
export async function* readRange(sftp: SFTPWrapper, h: Buffer, offset: number, size: number): AsyncGenerator<Buffer> {
  const max = (sftp as unknown as { _maxReadLen?: number })._maxReadLen;
  const chunk = max && max > 0 ? Math.min(max, 1 << 20) : 32 * 1024;
  const read = (at: number, len: number) =>
    call<Buffer>((cb) => sftp.read(h, Buffer.allocUnsafe(len), 0, len, at, (err, n, buf) => cb(err, buf?.subarray(0, n))));
  const queue: { at: number; len: number; data: Promise<Buffer> }[] = [];
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
}

/** rm -r; `directory` saves the lstat when the caller knows. Absent entries are not an error. */
export async function removeTree(sftp: SFTPWrapper, target: string, directory?: boolean): Promise<void> {
  if (directory === undefined) {
    try {
      directory = (await call<Stats>((cb) => sftp.lstat(target, cb))).isDirectory();
    } catch (err) {
      if (isFx(err, FX.NO_SUCH_FILE)) return;
      throw err;
    }
  }
  const ignoreAbsent = (err: unknown) => {
    if (!isFx(err, FX.NO_SUCH_FILE)) throw err;
  };
  if (!directory) {
    await call((cb) => sftp.unlink(target, cb)).catch(ignoreAbsent);
    return;
  }
  let children: FileEntryWithStats[];
  try {
    children = await call<FileEntryWithStats[]>((cb) => sftp.readdir(target, cb));
  } catch (err) {
    ignoreAbsent(err);
    return;
  }
  const todo = children.filter((c) => c.filename !== '.' && c.filename !== '..');
  for (let i = 0; i < todo.length; i += 16) {
    await Promise.all(todo.slice(i, i + 16).map((c) => removeTree(sftp, `${target}/${c.filename}`, c.attrs.isDirectory())));
  }
  await call((cb) => sftp.rmdir(target, cb)).catch(ignoreAbsent);
}
