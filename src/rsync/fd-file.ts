// Files by descriptor through node:fs's callback calls: the few operations of a FileHandle
// the rsync forms use, without node:fs/promises. Loading that module (it brings readline and
// the streams) was 2-3 ms of every start of permafrost-rdiff, a good part of a signature of a
// small file. Unlike a FileHandle, nothing closes an FdFile for its owner: every opener
// closes in a finally.
import {
  close,
  fchmod,
  fdatasync,
  fstat,
  fstatSync,
  link,
  open,
  read,
  readFile,
  realpath,
  rename,
  stat,
  unlink,
  write,
  writeSync,
  type Stats,
} from 'node:fs';
import { promisify } from 'node:util';
import type { Sink } from './drive.js';

const calls = {
  open: promisify(open),
  close: promisify(close),
  fstat: promisify(fstat),
  read: promisify(read),
  write: promisify(write),
  fdatasync: promisify(fdatasync),
  fchmod: promisify(fchmod),
};

/** The path calls the rsync forms make, promisified the same way. */
export const fsCalls = {
  stat: promisify(stat),
  unlink: promisify(unlink),
  rename: promisify(rename),
  link: promisify(link),
  realpath: promisify(realpath),
  readFile: promisify(readFile) as (file: string) => Promise<Buffer>,
};

export class FdFile {
  private closed = false;

  private constructor(readonly fd: number) {}

  static async open(file: string, flags: string, mode?: number): Promise<FdFile> {
    return new FdFile(await calls.open(file, flags, mode));
  }

  stat(): Promise<Stats> {
    return calls.fstat(this.fd);
  }

  /** At `position`, or at the file offset when null. */
  read(buffer: Buffer, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }> {
    return calls.read(this.fd, buffer, offset, length, position);
  }

  write(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }> {
    return calls.write(this.fd, buffer, offset, length, position);
  }

  datasync(): Promise<void> {
    return calls.fdatasync(this.fd);
  }

  chmod(mode: number): Promise<void> {
    return calls.fchmod(this.fd, mode);
  }

  /** Closes once; later calls do nothing (the fd number may belong to another file by then). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await calls.close(this.fd);
  }
}

/** Reads a caller's fd (never closed here) as `readChunks` reads an FdFile. */
export function fdReader(fd: number): Pick<FdFile, 'read'> {
  return { read: (buffer, offset, length, position) => calls.read(fd, buffer, offset, length, position) };
}

const SINK_SIZE = 1 << 20;
/**
 * Output up to this size goes to a regular file with writeSync: a round trip to the pool per
 * write was a third of the time of patching thousands of small files, and copying 64 KiB into
 * the page cache takes microseconds. Bigger chunks, and anything written to a pipe or a
 * device (whose write may wait on a reader), go through the pool.
 */
const SYNC_WRITE_MAX = 64 << 10;

/**
 * A job's output written to a caller's fd at its current offset through one reused buffer:
 * each chunk is written out before the job is given the buffer again.
 */
export class FdSink implements Sink {
  private readonly buf = Buffer.allocUnsafe(SINK_SIZE);
  private readonly regular: boolean;
  written = 0;

  /** Throws (EBADF...) when `fd` is not open. */
  constructor(private readonly fd: number) {
    this.regular = fstatSync(fd).isFile();
  }

  room(): Buffer {
    return this.buf;
  }

  async advance(n: number): Promise<void> {
    if (this.regular && n <= SYNC_WRITE_MAX) {
      for (let off = 0; off < n;) off += writeSync(this.fd, this.buf, off, n - off, null);
    } else {
      for (let off = 0; off < n;) off += (await calls.write(this.fd, this.buf, off, n - off, null)).bytesWritten;
    }
    this.written += n;
  }
}
