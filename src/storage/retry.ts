// Retries retryable faults with exponential backoff and jitter. Every ObjectStore operation is
// idempotent given its arguments (a part is a Buffer, a read resumes at an offset), so a retry
// never needs the caller to rewind anything.
import { setTimeout as sleep } from 'node:timers/promises';
import { ObjectStore, PartUpload, StorageFault, decorate, isStorageFault, messageWithout, readObject } from './storage.js';

export interface RetryPolicy {
  /** Tries per operation, first one included (1 = no retries). */
  attempts: number;
  /** First delay; doubles each time up to `maxDelayMs`; half of each delay is random. */
  baseDelayMs: number;
  maxDelayMs: number;
  onRetry?: (message: string) => void;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500, maxDelayMs: 10_000 };

function delayFor(p: RetryPolicy, attempt: number): number {
  const d = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** attempt);
  return d / 2 + Math.random() * (d / 2);
}

const retryable = (err: unknown) => isStorageFault(err) && err.fault === 'retryable';

function gaveUp(name: string, what: string, attempts: number, err: StorageFault): StorageFault {
  return new StorageFault('permanent', `${name}: ${what} failed after ${attempts} attempts: ${messageWithout(name, err.message)}`, {
    cause: err,
  });
}

/**
 * Runs `op` until it succeeds, fails for good or runs out of tries. `ownedAfterRetry`: a
 * create-only write tried again after a failure may find the name taken by its own first try
 * (its answer was lost): when this says the object there is ours, that is success.
 */
async function attempt<T>(
  p: RetryPolicy,
  name: string,
  what: string,
  op: () => Promise<T>,
  ownedAfterRetry?: () => Promise<boolean>,
): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await op();
    } catch (err) {
      if (i > 0 && ownedAfterRetry && isStorageFault(err) && err.fault === 'exists' && (await ownedAfterRetry().catch(() => false)))
        return undefined as T;
      if (!retryable(err)) throw err;
      if (i + 1 >= p.attempts) throw gaveUp(name, what, p.attempts, err as StorageFault);
      const ms = delayFor(p, i);
      p.onRetry?.(`${(err as Error).message}; retry ${i + 1}/${p.attempts - 1} of ${what} in ${(ms / 1000).toFixed(1)} s`);
      await sleep(ms);
    }
  }
}

export function withRetry(store: ObjectStore, p: RetryPolicy): ObjectStore {
  const n = store.name;
  const wrapUpload = (path: string, u: PartUpload): PartUpload => ({
    putPart: (i, off, data, md5) => attempt(p, n, `upload of part ${i} of ${path}`, () => u.putPart(i, off, data, md5)),
    complete: (parts, size) => attempt(p, n, `completing ${path}`, () => u.complete(parts, size)),
    abort: () => u.abort(),
  });
  return decorate(store, {
    putObject: (path, data, o) =>
      attempt(
        p,
        n,
        `upload of ${path}`,
        () => store.putObject(path, data, o),
        async () => (await readObject(store, path)).equals(data),
      ),
    openUpload: async (path) => wrapUpload(path, await attempt(p, n, `starting the upload of ${path}`, () => store.openUpload(path))),
    list: (prefix) => attempt(p, n, `listing ${prefix || '/'}`, () => store.list(prefix)),
    stat: (path) => attempt(p, n, `stat of ${path}`, () => store.stat(path)),
    remove: (path) => attempt(p, n, `removal of ${path}`, () => store.remove(path)),
    get: (path, offset = 0) => resumingGet(store, p, path, offset),
  });
}

/** A read that fails part-way resumes from the first byte it has not yielded yet. */
async function* resumingGet(store: ObjectStore, p: RetryPolicy, path: string, offset: number): AsyncGenerator<Buffer> {
  let at = offset;
  for (let i = 0; ; i++) {
    try {
      for await (const chunk of store.get(path, at)) {
        at += chunk.length;
        yield chunk;
      }
      return;
    } catch (err) {
      if (!retryable(err)) throw err;
      if (i + 1 >= p.attempts) throw gaveUp(store.name, `download of ${path}`, p.attempts, err as StorageFault);
      const ms = delayFor(p, i);
      p.onRetry?.(
        `${(err as Error).message}; retry ${i + 1}/${p.attempts - 1} of the download of ${path} at byte ${at} in ${(ms / 1000).toFixed(1)} s`,
      );
      await sleep(ms);
    }
  }
}
