// permafrost-rdiff's exit codes: permafrost's (errors.ts), not librsync's. A failure's code says
// its class where it can (a corrupt input, an output that exists); else the end it happened
// at (`tagged`); an fs error left over is an input's.
import { ExitCode, isPermafrostError } from '../base/errors.js';

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

export function describe(err: unknown): { code: number; message: string } {
  if (isPermafrostError(err)) return { code: err.exitCode, message: err.message };
  const e = err as Tagged & { code?: unknown };
  const byCode = exitForCode(e);
  if (byCode !== undefined) return { code: byCode, message: e.message };
  if (e?.[EXIT] !== undefined) return { code: e[EXIT]!, message: e.message };
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) return { code: ExitCode.SOURCE, message: e.message };
  return { code: ExitCode.INTERNAL, message: `internal error: ${e?.stack ?? String(err)}` };
}
