// The basis of a patch as an fd the native side can pread: COPY commands read it at any
// offset, in any order. Whether an fd can be read that way is asked of the fd itself, not
// of its file type: a character device such as /dev/null or /dev/zero answers pread, as
// rdiff's fseek+fread finds too. A pipe, FIFO, socket or terminal does not (ESPIPE); rdiff
// then fails on the first COPY, while we copy its bytes into an unlinked temporary file
// first and patch against that.
import { fstat as fstatCallback, fstatSync, read, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { context, fail } from './errors.js';
import { openInput, readChunks, unlinkedTemp } from './files.js';
import { fdReader, type FdFile } from './fd-file.js';

const readFd = promisify(read);
const fstat = promisify(fstatCallback);

/** An fd the native side may pread, and how to let go of it. */
export interface PreadableBasis {
  readonly fd: number;
  /** True when `fd` is a temporary copy of the input (which could not be read at an offset). */
  readonly spooled: boolean;
  close(): Promise<void>;
}

/**
 * Opens the basis file `file` for patching; a FIFO is read to its end into a temporary
 * copy (its writer is then done with it). The error names the basis.
 */
export async function openBasis(file: string): Promise<PreadableBasis> {
  const what = `basis ${file}`;
  const fh = await openInput(file, what);
  try {
    const basis = await preadableBasis(fh.fd, what, () => readChunks(fh));
    if (basis.spooled) {
      await fh.close();
      return basis;
    }
    return { fd: fh.fd, spooled: false, close: () => fh.close() };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * A caller's basis fd (left open): itself, or a copy of what a stream fd still holds. A
 * regular file or block device is known by a synchronous fstat (the native job fstats it on
 * this thread too): a round trip to the pool per patch was a third of the time of patching
 * thousands of small files.
 */
export async function openBasisFd(fd: number): Promise<PreadableBasis> {
  const what = `basis fd ${fd}`;
  let st: Stats;
  try {
    st = fstatSync(fd);
  } catch (err) {
    throw fail(context(), `cannot read ${what}`, err);
  }
  if (st.isFile() || st.isBlockDevice()) return { fd, spooled: false, close: async () => undefined };
  return preadableBasis(fd, what, () => readChunks(fdReader(fd)));
}

/**
 * `fd` itself when it can be read at an offset; otherwise a temporary copy of the bytes
 * `bytes()` yields (the rest of fd's stream). `close` closes only the copy, never `fd`.
 * Fails, naming `what` and the reason, when fd cannot be read or the copy cannot be made.
 */
export async function preadableBasis(fd: number, what: string, bytes: () => AsyncIterable<Buffer>): Promise<PreadableBasis> {
  const ctx = context();
  let st: Stats;
  try {
    st = await fstat(fd);
    if (st.isFile() || st.isBlockDevice() || (await answersPread(fd))) {
      return { fd, spooled: false, close: async () => undefined };
    }
  } catch (err) {
    throw fail(ctx, `cannot read ${what}`, err);
  }
  return spool(what, streamKind(st), bytes);
}

/** One byte at offset 0 by pread: a stream (pipe, socket, tty) refuses with ESPIPE. */
async function answersPread(fd: number): Promise<boolean> {
  try {
    await readFd(fd, Buffer.alloc(1), 0, 1, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESPIPE') return false;
    throw err;
  }
}

function streamKind(st: Stats): string {
  if (st.isFIFO()) return 'a pipe or FIFO';
  if (st.isSocket()) return 'a socket';
  return 'a terminal or other stream device';
}

async function spool(what: string, kind: string, bytes: () => AsyncIterable<Buffer>): Promise<PreadableBasis> {
  const ctx = context();
  let copy: FdFile | undefined;
  let writing = true; // a failure of the temporary file, not of the input
  try {
    copy = await unlinkedTemp();
    let at = 0;
    writing = false;
    for await (const chunk of bytes()) {
      writing = true;
      for (let off = 0; off < chunk.length;) off += (await copy.write(chunk, off, chunk.length - off, at + off)).bytesWritten;
      at += chunk.length;
      writing = false;
    }
  } catch (err) {
    await copy?.close().catch(() => undefined);
    if (!writing) throw fail(ctx, `cannot read ${what}`, err);
    throw fail(
      ctx,
      `cannot copy ${what} into a temporary file in ${tmpdir()} (it is ${kind}, and patch reads the basis at random offsets; set TMPDIR to a directory with room for it)`,
      err,
    );
  }
  const fh = copy;
  return { fd: fh.fd, spooled: true, close: () => fh.close() };
}
