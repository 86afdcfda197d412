// Whole-buffer writes to regular files, in pieces of at most 512 KiB.
//
// A write() of 1 MiB or more makes the page cache allocate large folios, and on a VM that
// reports free memory to its host those come from memory the host has taken back: each of
// their pages then faults on the host. Measured here (512 MiB into a new file): 1 MiB writes
// cost 1.2 s of system time, 512 KiB writes 0.25 s. Elsewhere the smaller writes cost nothing.
// (native/core/rsync/fdjob.cc writes 64 KiB at a time, where a syscall costs a microsecond;
// here each piece is a Node call, for a FileHandle a libuv pool job too, and 64 KiB pieces
// made a zstd backup to local storage slower: 1.2 s of system time against 0.9 s.)
import { writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

export const MAX_WRITE = 512 * 1024;

/** writeSync until the whole buffer is written (a regular file may take a short write). */
export function writeAll(fd: number, chunk: Buffer): number {
  let done = 0;
  while (done < chunk.length) done += writeSync(fd, chunk, done, Math.min(chunk.length - done, MAX_WRITE));
  return done;
}

/** Writes all of `data` at `position`: FileHandle.write may write less than it was given. */
export async function writeAllAt(fh: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, Math.min(data.length - done, MAX_WRITE), position + done);
    if (bytesWritten === 0) throw new Error(`write stored 0 of ${data.length - done} bytes`);
    done += bytesWritten;
  }
}
