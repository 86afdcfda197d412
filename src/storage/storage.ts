// The storage contract (DESIGN §6). Backends know bytes and paths, never archive formats.
// Paths are relative to the container, `/`-separated, never absolute, never `..`.
//
// Two layers:
// - `ObjectStore` is what a backend implements (local, ssh, swift, s3): whole small objects,
//   multi-part uploads of buffered parts, ranged reads, list, stat, remove. Every operation
//   is idempotent given its arguments, so a decorator can retry it.
// - `Storage` is what backup/restore use: `put` takes a stream. It is built once, in
//   `compose.ts`, from an ObjectStore plus the retry, bandwidth and multi-storage decorators.
import type { ChunkLeases } from '../pipeline/chunk-pool.js';
import type { SegmentMd5s } from '../pipeline/segment-md5.js';
import { PermafrostError } from '../errors.js';
import { collectAll } from '../pipeline/collect.js';

export interface ObjectStat {
  size: number;
}

/**
 * How a failure should be treated: `not-found` (the object or prefix is absent),
 * `retryable` (timeouts, resets, 5xx, 429: worth another try), `permanent` (auth, 4xx,
 * a full disk: retrying cannot help).
 */
export type FaultKind = 'not-found' | 'retryable' | 'permanent';

/** A storage failure; exits with the STORAGE code. The message names the storage. */
export class StorageFault extends PermafrostError {
  constructor(readonly fault: FaultKind, message: string, options?: { cause?: unknown }) {
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
  /** Makes the object visible: `parts` parts, `size` bytes in all. */
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
  /** Stores a whole object atomically: readers see all of it or nothing. */
  putObject(path: string, data: Buffer): Promise<void>;
  /** Starts a multi-part upload of `path` (Swift: segments + manifest, S3: multipart, files: temp + rename). */
  openUpload(path: string): Promise<PartUpload>;
  /** Reads an object from byte `offset` (default 0); a missing object rejects with a `not-found` fault. */
  get(path: string, offset?: number): AsyncIterable<Buffer>;
  /** Names of the immediate children of `prefix` (objects and "directories"), sorted; [] when absent. */
  list(prefix: string): Promise<string[]>;
  /** Size of an object, or null when it does not exist. */
  stat(path: string): Promise<ObjectStat | null>;
  /** Removes an object or everything under a prefix; absent is not an error. */
  remove(path: string): Promise<void>;
  /** Releases connections. */
  close?(): Promise<void>;
}

export interface PutOptions {
  /**
   * A large stream (backup data): always uploaded in parts of the segment size, so Swift
   * writes Freezer's `segments/%08d` + manifest layout even for a small backup.
   */
  segmented?: boolean;
  /** Pooled chunks of the stream are given back here once every part holding them settled. */
  leases?: ChunkLeases;
  /** MD5s of the stream's segments of `partMd5Size` bytes (see Storage.partMd5Size). */
  partMd5?: SegmentMd5s;
}

export interface Storage {
  readonly name: string;
  /**
   * The part size of segmented uploads when some storage checks each part against its MD5;
   * null when none does. A stream hashed in segments of this size can hand their MD5s over.
   */
  readonly partMd5Size: number | null;
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
