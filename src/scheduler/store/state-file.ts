// Opening the state store's SQLite file: the state directory (0700) and the file (0600) made
// when missing, the pragmas every connection needs, and the schema brought to SCHEMA_VERSION.
// Every way this fails says which file or directory is wrong (StateStoreError).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PermafrostError, type ExitCodeName } from '../../base/errors.js';
import { mkdirFailure } from '../../base/make-dirs.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

/** The state store's file inside the state directory. */
export const STATE_FILE_NAME = 'scheduler.db';

/** How long a connection waits for another process's write transaction before giving up. */
export const BUSY_TIMEOUT_MS = 5000;

/** The state store cannot be opened or was asked something it cannot do; `file` is what it is about. */
export class StateStoreError extends PermafrostError {
  constructor(
    readonly file: string,
    message: string,
    kind: ExitCodeName = 'CONFIG',
    options?: { cause?: unknown },
  ) {
    super(kind, message, options);
    this.name = 'StateStoreError';
  }
}

/** Opens (creating when missing) `<stateDir>/scheduler.db`, ready for use at SCHEMA_VERSION. */
export function openStateFile(stateDir: string): { db: Database.Database; file: string } {
  const dir = path.resolve(stateDir);
  makeStateDir(dir);
  const file = path.join(dir, STATE_FILE_NAME);
  createPrivateFile(file);
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    // First, so that every later step waits for a concurrent opener instead of failing.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Before anything writes: a newer store must stay untouched.
    refuseNewer(file, userVersion(db));
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new StateStoreError(file, `${file}: SQLite refused write-ahead logging (journal_mode is ${String(mode)})`);
    // NORMAL in WAL mode: a commit survives the daemon's death at any instant (kill -9; the
    // WAL is in the kernel's page cache) and the file is never corrupted; only a power loss can
    // take the last commits back. FULL fsyncs every commit: ~0.3 ms each on the main thread,
    // several per run, which at 200 runs a second cost most of a second (bench/RESULTS.md).
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    if (userVersion(db) < SCHEMA_VERSION) migrate(db, file);
    return { db, file };
  } catch (err) {
    db?.close();
    throw describeOpenFailure(file, err);
  }
}

function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function refuseNewer(file: string, version: number): void {
  if (version > SCHEMA_VERSION) {
    throw new StateStoreError(
      file,
      `${file} has state store schema version ${version}, newer than the version ${SCHEMA_VERSION} this permafrost knows: ` +
        'run the permafrost that made it, or give this one another state directory',
    );
  }
}

function migrate(db: Database.Database, file: string): void {
  // IMMEDIATE, and the version read again inside: two processes opening a new store at once
  // migrate it once, the second finding the first one's work done.
  db.transaction(() => {
    const from = userVersion(db);
    refuseNewer(file, from);
    for (let v = from; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function describeOpenFailure(file: string, err: unknown): StateStoreError {
  if (err instanceof StateStoreError) return err;
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_NOTADB') {
    return new StateStoreError(file, `${file} is not a SQLite database (${message}): it is not a permafrost state store`, 'CONFIG', {
      cause: err,
    });
  }
  return new StateStoreError(file, `${file} cannot be opened as the scheduler's state store: ${message}`, 'CONFIG', { cause: err });
}

/**
 * SQLite makes a new file 0644 less the umask; made here first, it is 0600 and SQLite's -wal
 * and -shm files copy that mode. An existing file keeps the mode its operator gave it.
 */
function createPrivateFile(file: string): void {
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o600));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    throw new StateStoreError(file, `${file} cannot be created: ${(err as Error).message}`, 'CONFIG', { cause: err });
  }
}

/**
 * `mkdir -p` with mode 0700, synchronous as better-sqlite3 is. Node 20's recursive mkdirSync
 * spins forever under /proc (see base/make-dirs.ts), so the missing components are made one by one.
 */
function makeStateDir(dir: string): void {
  const missing: string[] = [];
  for (let at = dir; ; at = path.dirname(at)) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw new StateStoreError(at, `state directory ${dir}: ${at} ${mkdirFailure(code, err)}`, 'CONFIG', { cause: err });
      }
    }
    if (stat) {
      if (!stat.isDirectory()) throw new StateStoreError(at, `state directory ${dir}: ${at} is a file, not a directory`);
      break;
    }
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const component of missing) {
    try {
      fs.mkdirSync(component, 0o700);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Made meanwhile by the other process opening the store.
      if (code === 'EEXIST' && fs.statSync(component, { throwIfNoEntry: false })?.isDirectory()) continue;
      throw new StateStoreError(component, `state directory ${dir}: ${component} ${mkdirFailure(code, err)}`, 'CONFIG', { cause: err });
    }
  }
}
