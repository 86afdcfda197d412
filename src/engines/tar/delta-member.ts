// Extraction of an 'E' member (rsync engine): its data is a librsync delta against the file of
// the same name as the previous level left it. The new content is patched into a temp file
// beside it, which then replaces it: a failure leaves the previous version in place.
import { closeSync, constants as C, lstatSync, openSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { integrityError, notSupportedError } from '../../base/errors.js';
import { writeAll } from '../../bytes/write-all.js';

const OUT_SIZE = 1 << 20;

async function patchJob(basisFd: number, member: string) {
  try {
    const { native } = await import('../../native.js');
    return new native.PatchJob(basisFd);
  } catch (err) {
    throw notSupportedError(`cannot patch "${member}": the native addon is not available: ${(err as Error).message}`);
  }
}

type Job = { iterate(input: Buffer, output: Buffer, eof: boolean): Promise<[number, number, boolean]> };

/** Feeds the whole delta (the member's data is always read to its end) and writes the output. */
async function pump(job: Job, body: AsyncIterable<Buffer>, outFd: number, member: string): Promise<number> {
  const out = Buffer.allocUnsafe(OUT_SIZE);
  let written = 0;
  const feed = async (input: Buffer, eof: boolean): Promise<boolean> => {
    for (let off = 0; ; ) {
      let consumed: number, produced: number, done: boolean;
      try {
        [consumed, produced, done] = await job.iterate(input.subarray(off), out, eof);
      } catch (err) {
        throw integrityError(`delta of "${member}" cannot be applied: ${(err as Error).message}`, err);
      }
      off += consumed;
      writeAll(outFd, out.subarray(0, produced));
      written += produced;
      if (done) return true;
      if (!eof && off >= input.length) return false;
      if (eof && consumed === 0 && produced === 0) return false;
    }
  };
  let done = false;
  for await (const chunk of body) if (!done) done = await feed(chunk, false);
  if (!done && !(await feed(Buffer.alloc(0), true))) throw integrityError(`delta of "${member}" is truncated`);
  return written;
}

/**
 * Patches `abs` with the delta in `body`; `finish(fd)` sets owner, mode and times on the new
 * file before it replaces the old one. Returns the new file's size.
 */
export async function extractDelta(abs: string, member: string, body: AsyncIterable<Buffer>, finish: (fd: number) => void): Promise<number> {
  const st = lstatSync(abs, { throwIfNoEntry: false });
  if (!st?.isFile()) throw integrityError(`delta member "${member}" has no earlier version to patch (restore its level 0 first)`);
  const basisFd = openSync(abs, C.O_RDONLY | C.O_NOFOLLOW);
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.permafrost-patch-${randomBytes(4).toString('hex')}`);
  let outFd: number | undefined;
  try {
    outFd = openSync(tmp, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
    const size = await pump(await patchJob(basisFd, member), body, outFd, member);
    finish(outFd);
    closeSync(outFd);
    outFd = undefined;
    renameSync(tmp, abs);
    return size;
  } catch (err) {
    if (outFd !== undefined) closeSync(outFd);
    try { unlinkSync(tmp); } catch { /* never created */ }
    throw err;
  } finally {
    closeSync(basisFd);
  }
}
