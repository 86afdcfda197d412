// How a failure ends a run of either binary: its exit code and the message for stderr. A
// PermafrostError carries both; what else a binary recognises (permafrost-rdiff: fs and
// native error codes) gets the code it says; anything left is a bug, reported with its stack
// and exit code 1 so that it can be reported.
import { ExitCode, isPermafrostError } from '../base/errors.js';

export interface Failure {
  code: number;
  message: string;
}

/** `recognise` returns the exit code of an error it knows, else undefined. */
export function describeFailure(err: unknown, recognise?: (err: Error & { code?: unknown }) => number | undefined): Failure {
  if (isPermafrostError(err)) return { code: err.exitCode, message: err.message };
  const e = err as Error & { code?: unknown };
  const code = e && typeof e === 'object' ? recognise?.(e) : undefined;
  if (code !== undefined) return { code, message: e.message };
  return { code: ExitCode.INTERNAL, message: `internal error: ${e?.stack ?? String(err)}` };
}
