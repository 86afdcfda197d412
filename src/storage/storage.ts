// The storage contract (DESIGN §6). Backends know bytes and paths, never archive formats.
// Paths are relative to the container, `/`-separated, never absolute, never `..`.

export interface ObjectStat {
  size: number;
}

export interface Storage {
  /** Human-readable name for messages (`local:/srv/backups`). */
  readonly name: string;
  /**
   * Stores an object atomically: readers see the whole object or nothing, also after a crash.
   * `source` is rewindable: calling it again restarts the bytes from the beginning (retries).
   */
  put(path: string, source: () => AsyncIterable<Buffer>): Promise<void>;
  /** Reads an object; rejects with a not-found storage error when it does not exist. */
  get(path: string): AsyncIterable<Buffer>;
  /** Names of the immediate children of `prefix` (objects and "directories"), sorted; [] when absent. */
  list(prefix: string): Promise<string[]>;
  /** Size of an object, or null when it does not exist. */
  stat(path: string): Promise<ObjectStat | null>;
  /** Removes an object or a whole prefix; absent is not an error. */
  remove(path: string): Promise<void>;
}

export function checkObjectPath(p: string): string {
  if (p === '' || p.startsWith('/') || p.split('/').some((c) => c === '..' || c === '.' || c === '') || p.includes('\0')) {
    throw new Error(`invalid storage path "${p}"`);
  }
  return p;
}

/** A whole (small) object in memory: metadata, engine_metadata. */
export async function readObject(storage: Storage, p: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of storage.get(p)) chunks.push(c);
  return Buffer.concat(chunks);
}
