// Extraction of an 'E' member (docs/FORMAT.md §5), plugged into the tar extractor as its
// member hook: the member's data is a librsync delta against the file of the same name as the
// previous level left it. The new content is patched into a temp file beside it, which then
// replaces it: a failure leaves the previous version in place.
import { closeSync, constants as C, fstatSync, lstatSync, openSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { integrityError } from '../../base/errors.js';
import { patchToFd, RsyncError } from '../../rsync/index.js';
import type { HookedMember, MemberHook } from '../tar/member-hook.js';

/** Typeflag of a librsync delta member: one tar leaves unused. */
export const DELTA_TYPEFLAG = 'E';

/** Failures of the delta itself or of reading the basis; anything else (a full disk) passes as it is. */
const DELTA_FAILURES = new Set(['ERR_BAD_MAGIC', 'ERR_CORRUPT', 'ERR_TRUNCATED', 'ERR_IO']);

/** The rsync engine's extract hook: restore.ts passes it for a chain of this engine. */
export const deltaMembers: MemberHook = {
  handles: (typeflag) => typeflag === DELTA_TYPEFLAG,
  extract: extractDelta,
};

/** Patches `abs` with the member's delta; `finish` sets owner, mode and times before the new file replaces the old. */
async function extractDelta({ header, abs, body, finish }: HookedMember): Promise<number> {
  const basisFd = openEarlierVersion(abs, header.name);
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.permafrost-patch-${randomBytes(4).toString('hex')}`);
  let outFd: number | undefined;
  try {
    outFd = openSync(tmp, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
    const size = await applyDelta(basisFd, body, outFd, header.name);
    finish(outFd);
    closeSync(outFd);
    outFd = undefined;
    renameSync(tmp, abs);
    return size;
  } catch (err) {
    if (outFd !== undefined) closeSync(outFd);
    try {
      unlinkSync(tmp);
    } catch {
      /* never created */
    }
    throw err;
  } finally {
    closeSync(basisFd);
  }
}

/**
 * The regular file at `abs`, never through a symlink (O_NOFOLLOW) nor waiting on a FIFO
 * that replaced it since the lstat (O_NONBLOCK; fstat then refuses it).
 */
function openEarlierVersion(abs: string, member: string): number {
  const missing = () => integrityError(`delta member "${member}" has no earlier version to patch (restore its level 0 first)`);
  if (!lstatSync(abs, { throwIfNoEntry: false })?.isFile()) throw missing();
  const fd = openSync(abs, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) throw missing();
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

async function applyDelta(basisFd: number, body: AsyncIterable<Buffer>, outFd: number, member: string): Promise<number> {
  try {
    return (await patchToFd(basisFd, body, outFd)).outBytes;
  } catch (err) {
    if (!(err instanceof RsyncError)) throw err; // the archive's own failure (truncated, corrupt)
    // The cause's message is the reason alone; the RsyncError's names the fds.
    const cause = err.cause instanceof Error ? err.cause : err;
    if (DELTA_FAILURES.has(err.code)) throw integrityError(`delta of "${member}" cannot be applied: ${cause.message}`, err);
    throw cause;
  }
}
