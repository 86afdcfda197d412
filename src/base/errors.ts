// One error class per failure a user can cause; each carries a stable code and a distinct
// process exit code (listed in the README). Anything else is a bug and exits 1.

export const ExitCode = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  CONFIG: 3,
  SOURCE: 4,
  STORAGE: 5,
  INTEGRITY: 6,
  PASSWORD: 7,
  NOT_SUPPORTED: 8,
  UNSAFE_ARCHIVE: 9,
  NO_BACKUP: 10,
  TARGET_NOT_EMPTY: 11,
  LOCKED: 12,
  TARGET: 13,
  INTERRUPTED: 130,
} as const;

export type ExitCodeName = keyof typeof ExitCode;

export class PermafrostError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(kind: ExitCodeName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermafrostError';
    this.code = `ERR_${kind}`;
    this.exitCode = ExitCode[kind];
  }
}

export const usageError = (msg: string) => new PermafrostError('USAGE', msg);
export const configError = (msg: string) => new PermafrostError('CONFIG', msg);
export const sourceError = (msg: string, cause?: unknown) => new PermafrostError('SOURCE', msg, { cause });
export const storageError = (msg: string, cause?: unknown) => new PermafrostError('STORAGE', msg, { cause });
export const integrityError = (msg: string, cause?: unknown) => new PermafrostError('INTEGRITY', msg, { cause });
export const passwordError = (msg: string) => new PermafrostError('PASSWORD', msg);
export const notSupportedError = (msg: string) => new PermafrostError('NOT_SUPPORTED', msg);
export const unsafeArchiveError = (msg: string) => new PermafrostError('UNSAFE_ARCHIVE', msg);
export const noBackupError = (msg: string) => new PermafrostError('NO_BACKUP', msg);
export const targetNotEmptyError = (msg: string) => new PermafrostError('TARGET_NOT_EMPTY', msg);
export const lockedError = (msg: string) => new PermafrostError('LOCKED', msg);
export const targetError = (msg: string, cause?: unknown) => new PermafrostError('TARGET', msg, { cause });
export const interruptedError = (msg: string) => new PermafrostError('INTERRUPTED', msg);

export function isPermafrostError(err: unknown): err is PermafrostError {
  return err instanceof PermafrostError;
}
