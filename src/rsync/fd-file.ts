// Files by descriptor through node:fs's callback calls: the few operations of a FileHandle
// the rsync forms use, without node:fs/promises. Loading that module (it brings readline and
// the streams) was 2-3 ms of every start of permafrost-rdiff, a good part of a signature of a
// small file. Unlike a FileHandle, nothing closes an FdFile for its owner: every opener
// closes in a finally.
import {
  close, fchmod, fdatasync, fstat, link, open, read, readFile, realpath, rename, stat, unlink, write, type Stats,
} from 'node:fs';
import { promisify } from 'node:util';

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
