// The storage contract (docs/ARCHITECTURE.md §6). Backends know bytes and paths, never archive formats.
// Paths are relative to the container, `/`-separated, never absolute, never `..`.
//
// Two layers:
// - `ObjectStore` is what a backend implements (local, ssh, swift, s3): whole small objects,
//   multi-part uploads of buffered parts, ranged reads, list, stat, remove. Every operation
//   is idempotent given its arguments, so a decorator can retry it.
// - `Storage` is what backup/restore use: `put` takes a stream. It is built once, in
//   `compose.ts`, from an ObjectStore plus the retry, bandwidth and multi-storage decorators.
import type { ChunkLeases } from '../bytes/chunk-pool.js';
import type { PartMd5s } from './part-md5s.js';
import { PermafrostError } from '../base/errors.js';
import { collectAll } from '../bytes/collect.js';

// ---- locks (lock.ts, local-lock.ts implement them) ----

export interface LockHolder {
  /** The machine's own host name (not --hostname): with `pid`, tells a dead local holder. */
  host: string;
  pid: number;
  user: string;
  /** When the run started (ISO 8601). */
  started: string;
  /** What holds it, for messages: `backup`, `admin`. */
  action: string;
  program: string;
}

export interface LockRequest {
  /** `<engine>/<host>_<name>`: a storage path below the lock directory. */
  name: string;
  holder: LockHolder;
  /** How long to wait for other holders (0: give up at once). */
  waitMs: number;
  /** Told about each stale lock that was removed. */
  onStale?(message: string): void;
}

export interface HeldLock {
  release(): Promise<void>;
}

export interface ObjectStat {
  size: number;
}

/**
 * How a failure should be treated: `not-found` (the object or prefix is absent),
 * `retryable` (timeouts, resets, 5xx, 429: worth another try), `permanent` (auth, 4xx,
 * a full disk: retrying cannot help), `exists` (a create-only write found an object of
 * someone else's at its name: nothing was replaced).
 */
export type FaultKind = 'not-found' | 'retryable' | 'permanent' | 'exists';

/** A storage failure; exits with the STORAGE code. The message names the storage. */
export class StorageFault extends PermafrostError {
  constructor(
    readonly fault: FaultKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('STORAGE', message, options);
    this.name = 'StorageFault';
  }
}

export const isStorageFault = (e: unknown): e is StorageFault => e instanceof StorageFault;

/**
 * A backend's message without its leading `<storage name>: `, so a decorator that names the
 * storage itself does not say it twice. `name` may carry a `[storage:NAME] ` label in front.
 */
export function messageWithout(name: string, message: string): string {
  const bare = name.replace(/^\[storage:[^\]]*\] /, '');
  for (const n of [name, bare]) if (message.startsWith(`${n}: `)) return message.slice(n.length + 2);
  return message;
}

/** An upload of one object in numbered parts; the object appears (atomically) on `complete`. */
export interface PartUpload {
  /**
   * Stores part `index` (0-based), whose first byte is at `offset` of the object. Parts may be
   * sent concurrently and out of order; every part but the last has the same size unless the
   * store has `anySizeParts`. Calling it again with the same arguments replaces the part (retries).
   * `md5`, when given, is the MD5 of `data`, computed as the stream was hashed: stores that
   * check parts against their MD5 use it rather than hashing the part again.
   */
  putPart(index: number, offset: number, data: Buffer, md5?: Promise<Buffer>): Promise<void>;
  /**
   * Makes the object visible: `parts` parts, `size` bytes in all. Create-only: when an object
   * of someone else's appeared at the name meanwhile, rejects with an `exists` fault and
   * leaves that object as it is.
   */
  complete(parts: number, size: number): Promise<void>;
  /** Drops what was uploaded; never throws. */
  abort(): Promise<void>;
}

export interface ObjectStore {
  /** For messages: `local:/srv/backups`, `swift:http://…/v1/AUTH_x/container`. */
  readonly name: string;
  /** Smallest part a multi-part upload accepts, except the last (S3: 5 MiB); 1 when any. */
  readonly minPartSize: number;
  /**
   * True when parts may have any size (files written at offsets: local, ssh): the stream's own
   * chunks are then sent as parts, with no buffering into segments and no copy. False when
   * each part becomes a stored segment (swift, s3).
   */
  readonly anySizeParts?: boolean;
  /** True when every uploaded part is checked against its MD5 (Swift's ETag, S3's Content-MD5). */
  readonly checksPartMd5?: boolean;
  /**
   * Stores a whole object atomically: readers see all of it or nothing. Create-only unless
   * `overwrite`: an object already at `path` is never replaced; the put rejects with an
   * `exists` fault (a store may accept one that holds exactly `data`; the retry decorator
   * does, when a retry finds the object its lost first try stored).
   */
  putObject(path: string, data: Buffer, options?: PutObjectOptions): Promise<void>;
  /**
   * Starts a multi-part upload of `path` (Swift: segments + manifest, S3: multipart, files:
   * temp + rename); rejects with an `exists` fault when `path` already exists.
   */
  openUpload(path: string): Promise<PartUpload>;
  /** Reads an object from byte `offset` (default 0); a missing object rejects with a `not-found` fault. */
  get(path: string, offset?: number): AsyncIterable<Buffer>;
  /** Names of the immediate children of `prefix` (objects and "directories"), sorted; [] when absent. */
  list(prefix: string): Promise<string[]>;
  /** Size of an object, or null when it does not exist. */
  stat(path: string): Promise<ObjectStat | null>;
  /** Removes an object or everything under a prefix; absent is not an error. */
  remove(path: string): Promise<void>;
  /**
   * Takes an exclusive lock of the storage's own kind (local: flock). Stores without one are
   * locked with lock objects (lock.ts), which work on any store.
   */
  lock?(request: LockRequest): Promise<HeldLock>;
  /**
   * Stores with real directories (local, ssh): removes `prefix` if it is an empty directory,
   * never anything in it; never throws. Objects stores have no empty "directories".
   */
  pruneDir?(prefix: string): Promise<void>;
  /** Releases connections. */
  close?(): Promise<void>;
}

export interface PutObjectOptions {
  /** Replace an object that exists (a lock's own refresh); default: create-only. */
  overwrite?: boolean;
}

/**
 * A decorator's store: every member of `store` passed through, except those in `overrides`,
 * so adding a member to ObjectStore cannot silently drop it in one of the decorators.
 */
export function decorate(store: ObjectStore, overrides: Partial<ObjectStore>): ObjectStore {
  return {
    // A getter: a store may name itself better once it knows more (Swift, after logging in).
    get name() {
      return store.name;
    },
    minPartSize: store.minPartSize,
    anySizeParts: store.anySizeParts,
    checksPartMd5: store.checksPartMd5,
    putObject: (p, data, o) => store.putObject(p, data, o),
    openUpload: (p) => store.openUpload(p),
    get: (p, offset) => store.get(p, offset),
    list: (prefix) => store.list(prefix),
    stat: (p) => store.stat(p),
    remove: (p) => store.remove(p),
    lock: store.lock ? (r) => store.lock!(r) : undefined,
    pruneDir: store.pruneDir ? (p) => store.pruneDir!(p) : undefined,
    close: () => store.close?.() ?? Promise.resolve(),
    ...overrides,
  };
}

export interface PutOptions {
  /**
   * A large stream (backup data): always uploaded in parts of the segment size, so Swift
   * writes Freezer's `segments/%08d` + manifest layout even for a small backup.
   */
  segmented?: boolean;
  /** Pooled chunks of the stream are given back here once every part holding them settled. */
  leases?: ChunkLeases;
  /** The MD5s of the parts, from `Storage.partMd5s` (fed by whoever hashes the stream). */
  partMd5?: PartMd5s;
}

export interface Storage {
  readonly name: string;
  /**
   * A place for the MD5s of the parts of a segmented put of a stream hashed in segments of
   * `segmentSize`, when some storage checks each part against its MD5 and its parts are those
   * segments; undefined otherwise (nothing to compute). Pass it to `put` as `partMd5`.
   */
  partMd5s(segmentSize: number): PartMd5s | undefined;
  /**
   * Stores an object atomically. A non-segmented source is a small object read whole; a
   * segmented one is cut into parts that are uploaded (and retried) one by one, so the
   * source is read exactly once.
   */
  put(path: string, source: () => AsyncIterable<Buffer>, options?: PutOptions): Promise<void>;
  /** Reads an object; rejects with a not-found fault when it does not exist. */
  get(path: string): AsyncIterable<Buffer>;
  list(prefix: string): Promise<string[]>;
  stat(path: string): Promise<ObjectStat | null>;
  remove(path: string): Promise<void>;
  /**
   * Takes the exclusive lock `name` on every storage (see lock.ts), waiting up to `waitMs`
   * for another holder to let go; rejects with a LOCKED error that names the holder.
   */
  lock(name: string, holder: LockHolder, waitMs: number): Promise<HeldLock>;
  close(): Promise<void>;
}

export function checkObjectPath(p: string): string {
  if (p === '' || p.startsWith('/') || p.split('/').some((c) => c === '..' || c === '.' || c === '') || p.includes('\0')) {
    throw new Error(`invalid storage path "${p}"`);
  }
  return p;
}

/** A whole (small) object in memory: metadata, engine_metadata. */
export async function readObject(storage: Pick<Storage, 'get'>, p: string): Promise<Buffer> {
  return collectAll(storage.get(p));
}
