// The one place where a backend becomes the Storage that backup and restore use: each backend
// gets retries and the shared bandwidth buckets, several backends become one fan-out, and the
// stream-to-parts driver sits on top.
import { Storage, ObjectStore, PutOptions, decorate } from './storage.js';
import { lockAll } from './lock.js';
import { PartMd5s } from './part-md5s.js';
import { withRetry, RetryPolicy, DEFAULT_RETRY } from './retry.js';
import { withBandwidth, TokenBucket } from './bandwidth.js';
import { MultiStore } from './multi.js';
import { putSegmented, putWhole } from './upload.js';

export interface ComposeOptions {
  /** Part (segment) size of segmented uploads: `--max-segment-size`. */
  partSize: number;
  /** Parts in flight per upload: `--upload-queue-size`. */
  queue: number;
  retry?: RetryPolicy;
  /** Bytes per second; null or ≤ 0 for no limit. */
  uploadLimit?: number | null;
  downloadLimit?: number | null;
  /** `--dry-run`: reads work, writes and removals are counted out but not done. */
  dryRun?: boolean;
  /** Told when a stale lock of a dead run is removed. */
  onStale?: (message: string) => void;
  /** Per backend, a label its messages start with (`[storage:NAME]` of a job file), or none. */
  labels?: readonly (string | undefined)[];
}

/** Messages name the job file's section too; every other member passes through (decorate). */
function withLabel(store: ObjectStore, label: string | undefined): ObjectStore {
  return label ? decorate(store, { name: `${label} ${store.name}` }) : store;
}

/** Nothing is written, removed or locked (a lock is a write too). */
function withDryRun(store: ObjectStore): ObjectStore {
  return decorate(store, {
    putObject: async () => {},
    openUpload: async () => ({ putPart: async () => {}, complete: async () => {}, abort: async () => {} }),
    remove: async () => {},
    lock: async () => ({ release: async () => {} }),
  });
}

const bucket = (rate: number | null | undefined) => (rate && rate > 0 ? new TokenBucket(rate) : null);

export function composeStorage(backends: ObjectStore[], o: ComposeOptions): Storage {
  const buckets = { upload: bucket(o.uploadLimit), download: bucket(o.downloadLimit) };
  const policy = o.retry ?? DEFAULT_RETRY;
  const each = backends.map((b, i) => withRetry(withBandwidth(withLabel(b, o.labels?.[i]), buckets), policy));
  const joined = each.length === 1 ? each[0] : new MultiStore(each);
  const store = o.dryRun ? withDryRun(joined) : joined;
  const partSize = Math.max(o.partSize, store.minPartSize);
  const partMd5Size = store.checksPartMd5 && !store.anySizeParts ? partSize : null;
  return {
    get name() {
      return store.name;
    },
    partMd5s: (segmentSize: number) => (partMd5Size === segmentSize ? new PartMd5s(segmentSize) : undefined),
    put: (path: string, source: () => AsyncIterable<Buffer>, opts?: PutOptions) => {
      if (!opts?.segmented) return putWhole(store, path, source());
      const partMd5 = opts.partMd5?.segmentSize === partMd5Size ? opts.partMd5 : undefined;
      return putSegmented(store, path, source(), { ...o, leases: opts.leases, partMd5 });
    },
    get: (path: string) => store.get(path),
    list: (prefix: string) => store.list(prefix),
    stat: (path: string) => store.stat(path),
    remove: (path: string) => store.remove(path),
    // Each storage's own lock (flock for local) or lock objects, written through its retries.
    lock: (name, holder, waitMs) =>
      o.dryRun ? withDryRun(joined).lock!({ name, holder, waitMs }) : lockAll(each, { name, holder, waitMs, onStale: o.onStale }),
    close: async () => {
      await store.close?.();
    },
  };
}
