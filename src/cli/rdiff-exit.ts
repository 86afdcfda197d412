// permafrost-rdiff's exit codes: permafrost's (errors.ts), not librsync's. A failure's code says
// its class where it can (a corrupt input, an output that exists); else the end it happened
// at (`tagged`); an fs error left over is an input's.
import { ExitCode } from '../base/errors.js';
import { describeFailure, type Failure } from './failure.js';

/** Where the exit code of a failure comes from when its code alone does not say: the end it happened at. */
export const EXIT = Symbol('exit');
export type Tagged = Error & { [EXIT]?: number };

/** Runs `work`, marking what it throws with `exit` (unless an inner call marked it first). */
export async function tagged<T>(exit: number, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err && typeof err === 'object' && (err as Tagged)[EXIT] === undefined) (err as Tagged)[EXIT] = exit;
    throw err;
  }
}

function exitForCode(err: { code?: unknown; message?: string }): number | undefined {
  switch (err.code) {
    case 'ERR_BAD_MAGIC':
    case 'ERR_CORRUPT':
    case 'ERR_TRUNCATED':
    case 'ERR_PARAM': // from a signature's header (strong length above its hash's maximum)
      return ExitCode.INTEGRITY;
    case 'EEXIST':
      return ExitCode.TARGET_NOT_EMPTY;
    case 'ERR_IO':
      // The native message names the call: read/pread of an input, or write of the output.
      return /\bwrite\b/.test(err.message ?? '') ? ExitCode.STORAGE : ExitCode.SOURCE;
    case 'EPIPE':
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EROFS':
      return ExitCode.STORAGE;
    default:
      return undefined;
  }
}

/** The exit code of an error that is not a PermafrostError, when it has one. */
function recognise(e: Tagged & { code?: unknown }): number | undefined {
  const byCode = exitForCode(e);
  if (byCode !== undefined) return byCode;
  if (e[EXIT] !== undefined) return e[EXIT];
  if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return ExitCode.SOURCE;
  return undefined;
}

export const describe = (err: unknown): Failure => describeFailure(err, recognise);
