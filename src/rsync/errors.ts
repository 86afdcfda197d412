// Errors of the rsync API. Native failures keep their `.code` (ERR_BAD_MAGIC, ERR_CORRUPT,
// ERR_PARAM, ERR_TRUNCATED, ERR_IO) and fs failures theirs (ENOENT, EACCES, EEXIST, ...), but
// the message names the input and the stack is the caller's: the native call completes on
// the libuv pool, where no JS frames exist, so a context error is made before the call and
// the native message moved onto it (sharp's is.nativeError).

/** A failed rsync operation or a rejected argument; `code` is stable, the message is not. */
export class RsyncError extends Error {
  code = 'ERR_INTERNAL';
  /** The file involved, when the failure is about one. */
  path?: string;
  errno?: number;
  syscall?: string;
  constructor(message = '') {
    super(message);
    this.name = 'RsyncError';
  }
}

/** Made before an async call so the stack shows who called; filled in by `fail`. */
export function context(): RsyncError {
  const ctx = new RsyncError();
  Error.captureStackTrace(ctx, context);
  return ctx;
}

interface CodedError extends Error {
  code?: unknown;
  errno?: unknown;
  syscall?: unknown;
  path?: unknown;
}

/**
 * Moves a native or fs failure onto `ctx`: message `${what}: ${native message}`, same code.
 * `file` (when the input is a file) is recorded as `.path`; the failure itself is `.cause`
 * (not enumerable, as `new Error(m, { cause })` makes it), whose message is the reason alone
 * for a caller that names the input its own way.
 */
export function fail(ctx: RsyncError, what: string, err: unknown, file?: string): RsyncError {
  if (err instanceof RsyncError) return err;
  const e = err as CodedError;
  ctx.message = `${what}: ${e?.message ?? String(err)}`;
  Object.defineProperty(ctx, 'cause', { value: err, writable: true, configurable: true, enumerable: false });
  ctx.code = typeof e?.code === 'string' ? e.code : 'ERR_INTERNAL';
  if (typeof e?.errno === 'number') ctx.errno = e.errno;
  if (typeof e?.syscall === 'string') ctx.syscall = e.syscall;
  const p = file ?? (typeof e?.path === 'string' ? e.path : undefined);
  if (p !== undefined) ctx.path = p;
  return ctx;
}

/** A coded error made on the spot (the current stack is the caller's already). */
export function rsyncError(code: string, message: string, file?: string): RsyncError {
  const e = new RsyncError(message);
  e.code = code;
  if (file !== undefined) e.path = file;
  return e;
}

function describe(value: unknown): string {
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  if (typeof value === 'string') return `'${value}' of type string`;
  if (typeof value === 'object') return value === null ? 'null' : `an object of type ${value.constructor?.name ?? 'Object'}`;
  if (typeof value === 'function') return `a function ${value.name || '(anonymous)'}`;
  if (typeof value === 'symbol') return `${value.toString()} of type symbol`;
  return `${value as number | bigint | boolean | undefined} of type ${typeof value}`;
}

/**
 * sharp's invalidParameterError: "Expected <expected> for <name> but received <value>".
 * A TypeError when the type is wrong, a RangeError when only the value is; `.code` is
 * ERR_PARAM either way, the code the native side uses for bad parameters.
 */
export function invalidParameterError(
  name: string,
  expected: string,
  actual: unknown,
  kind: 'type' | 'range' = 'range',
): (TypeError | RangeError) & { code: string } {
  const message = `Expected ${expected} for ${name} but received ${describe(actual)}`;
  const e = (kind === 'type' ? new TypeError(message) : new RangeError(message)) as (TypeError | RangeError) & { code: string };
  e.code = 'ERR_PARAM';
  return e;
}
