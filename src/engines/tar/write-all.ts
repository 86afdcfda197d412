import { writeSync } from 'node:fs';

/** writeSync until the whole buffer is written (a regular file may take a short write). */
export function writeAll(fd: number, chunk: Buffer): number {
  let done = 0;
  while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done);
  return done;
}
