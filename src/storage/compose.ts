// The one place where a backend becomes the Storage that backup and restore use: each backend
// gets retries and the shared bandwidth buckets, several backends become one fan-out, and the
// stream-to-parts driver sits on top.
import { Storage, ObjectStore, PutOptions } from './storage.js';
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
}

function withDryRun(store: ObjectStore): ObjectStore {
  return {
    name: store.name,
    minPartSize: store.minPartSize,
    anySizeParts: store.anySizeParts,
    checksPartMd5: store.checksPartMd5,
    putObject: async () => {},
    openUpload: async () => ({ putPart: async () => {}, complete: async () => {}, abort: async () => {} }),
    get: (p, offset) => store.get(p, offset),
    list: (prefix) => store.list(prefix),
    stat: (p) => store.stat(p),
    remove: async () => {},
    close: () => store.close?.() ?? Promise.resolve(),
  };
}

const bucket = (rate: number | null | undefined) => (rate && rate > 0 ? new TokenBucket(rate) : null);

export function composeStorage(backends: ObjectStore[], o: ComposeOptions): Storage {
  const buckets = { upload: bucket(o.uploadLimit), download: bucket(o.downloadLimit) };
  const policy = o.retry ?? DEFAULT_RETRY;
  const each = backends.map((b) => withRetry(withBandwidth(b, buckets), policy));
  const joined = each.length === 1 ? each[0] : new MultiStore(each);
  const store = o.dryRun ? withDryRun(joined) : joined;
  const partSize = Math.max(o.partSize, store.minPartSize);
  const partMd5Size = store.checksPartMd5 && !store.anySizeParts ? partSize : null;
  return {
    name: store.name,
    partMd5Size,
    put: (path: string, source: () => AsyncIterable<Buffer>, opts?: PutOptions) => {
      if (!opts?.segmented) return putWhole(store, path, source());
      const partMd5 = opts.partMd5?.segmentSize === partMd5Size ? opts.partMd5 : undefined;
      return putSegmented(store, path, source(), { ...o, leases: opts.leases, partMd5 });
    },
    get: (path: string) => store.get(path),
    list: (prefix: string) => store.list(prefix),
    stat: (path: string) => store.stat(path),
    remove: (path: string) => store.remove(path),
    close: async () => { await store.close?.(); },
  };
}
