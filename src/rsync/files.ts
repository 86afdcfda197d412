// File plumbing for the path forms: inputs opened for the native side's fd, anonymous temp
// files for results returned as Buffers, and outputs written atomically (temp + rename).
import type { Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { context, fail, rsyncError } from './errors.js';
import { FdFile, fsCalls as fs } from './fd-file.js';

/**
 * A temp name's suffix. Not node:crypto (loading it was 5 ms of a short rdiff run): the names
 * are opened with O_EXCL ('wx'), which never follows a symlink nor reuses a file, so a
 * guessed name can only make an open fail, never redirect it.
 */
function uniqueSuffix(): string {
  return `${process.pid.toString(36)}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Opens `file` for reading; the error names it as `what` (e.g. "basis /a/b"). */
export async function openInput(file: string, what: string): Promise<FdFile> {
  const ctx = context();
  try {
    return await FdFile.open(file, 'r');
  } catch (err) {
    throw fail(ctx, `cannot open ${what}`, err, file);
  }
}

/**
 * An unlinked temp file in tmpdir(): the native job writes there by fd and the result is
 * read back with `readBack`; nothing is left behind, whatever happens.
 */
export async function anonymousTemp(): Promise<FdFile> {
  const ctx = context();
  try {
    return await unlinkedTemp();
  } catch (err) {
    throw fail(ctx, 'cannot create a temporary file', err);
  }
}

/**
 * anonymousTemp with the fs error as it is (its `.path` names the file), for callers that
 * say what the file was for. Unlinked as soon as it exists, so not even kill -9 leaves it.
 */
export async function unlinkedTemp(): Promise<FdFile> {
  const name = join(tmpdir(), `.permafrost-rsync-${uniqueSuffix()}.tmp`);
  const fh = await FdFile.open(name, 'wx+', 0o600);
  try {
    await fs.unlink(name);
  } catch (err) {
    await fh.close();
    throw err;
  }
  return fh;
}

/** The first `length` bytes of `fh`, read by position (the native writes moved its offset). */
export async function readBack(fh: FdFile, length: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(out, got, length - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? out : out.subarray(0, got);
}

/** Where a file-writing form puts its bytes until `commit` makes them visible at the target. */
export interface Output {
  readonly fd: number;
  /** The temp file being written (absent when writing in place), for a signal handler to remove. */
  readonly tempPath?: string;
  /** commit() fdatasyncs the bytes (a regular file; not a device or FIFO written in place). */
  readonly durable: boolean;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

async function statOrNull(file: string): Promise<Stats | null> {
  try {
    return await fs.stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function existsError(target: string): Error {
  const e = rsyncError(
    'EEXIST',
    `output ${target} exists (pass overwrite: true, or -f/--force on the command line, to replace it)`,
    target,
  );
  e.syscall = 'open';
  return e;
}

async function inPlace(target: string): Promise<Output> {
  const fh = await FdFile.open(target, 'w');
  return { fd: fh.fd, durable: false, commit: () => fh.close(), abort: () => fh.close() };
}

/**
 * Opens an output for `target`. A regular file (or a new one) is written to a temp file in
 * the same directory, then renamed over it (or hard-linked, so an existing file is never
 * replaced, when `overwrite` is false): readers see the old bytes or the new, never a part.
 * A device or FIFO (/dev/null, a named pipe) is written in place, as rdiff does; renaming
 * over it would replace the node itself. A symlink's target file is what gets replaced.
 */
export async function openOutput(target: string, overwrite: boolean): Promise<Output> {
  const ctx = context();
  try {
    const st = await statOrNull(target);
    if (st && !overwrite) throw existsError(target);
    if (st && !st.isFile()) return await inPlace(target);
    const dest = st ? await fs.realpath(target) : target;
    const tmp = join(dirname(dest), `.${basename(dest)}.${uniqueSuffix()}.tmp`);
    const fh = await FdFile.open(tmp, 'wx', 0o666);
    if (st) await fh.chmod(st.mode & 0o7777);
    let closed = false;
    const close = async () => {
      if (!closed) {
        closed = true;
        await fh.close();
      }
    };
    return {
      fd: fh.fd,
      tempPath: tmp,
      durable: true,
      async commit() {
        const cctx = context();
        try {
          await fh.datasync();
          await close();
          if (overwrite) {
            await fs.rename(tmp, dest);
          } else {
            try {
              await fs.link(tmp, dest);
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw existsError(target);
              throw err;
            } finally {
              await fs.unlink(tmp).catch(() => undefined);
            }
          }
        } catch (err) {
          await fs.unlink(tmp).catch(() => undefined);
          throw fail(cctx, `cannot write output ${target}`, err, target);
        }
      },
      async abort() {
        await close().catch(() => undefined);
        await fs.unlink(tmp).catch(() => undefined);
      },
    };
  } catch (err) {
    throw fail(ctx, `cannot write output ${target}`, err, target);
  }
}

/**
 * Reads `fh` from its current offset in chunks of `size`, reusing one buffer: each chunk
 * must be fully used before the next is asked for (as `collect` does).
 */
export async function* readChunks(fh: Pick<FdFile, 'read'>, size = 1 << 20): AsyncGenerator<Buffer> {
  const buf = Buffer.allocUnsafe(size);
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, size, null);
    if (bytesRead === 0) return;
    yield buf.subarray(0, bytesRead);
  }
}
