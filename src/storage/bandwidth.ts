// In-process bandwidth limits (`--upload-limit`, `--download-limit`): one token bucket per
// direction, shared by every storage of the process, so the limit is what leaves (or enters)
// the host whatever the number of storages or parts in flight.
import { decorate, type ObjectStore, type PartUpload } from './storage.js';

export class TokenBucket {
  /** Virtual time (ms) at which all bytes granted so far have been paid for at `rate`. */
  private paidUntil = 0;
  constructor(
    private readonly bytesPerSecond: number,
    private readonly burstBytes = Math.min(bytesPerSecond / 10, 1 << 20),
  ) {}

  /** Resolves when `n` more bytes fit under the rate (plus a small burst). */
  async take(n: number): Promise<void> {
    const now = performance.now();
    const burstMs = (this.burstBytes / this.bytesPerSecond) * 1000;
    this.paidUntil = Math.max(this.paidUntil, now - burstMs) + (n / this.bytesPerSecond) * 1000;
    const wait = this.paidUntil - now;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

/** Larger buffers are paid for in slices so a big part does not stall, then burst. */
const SLICE = 256 * 1024;

async function pay(bucket: TokenBucket, n: number): Promise<void> {
  for (let left = n; left > 0; left -= SLICE) await bucket.take(Math.min(SLICE, left));
}

export interface Buckets {
  upload: TokenBucket | null;
  download: TokenBucket | null;
}

export function withBandwidth(store: ObjectStore, b: Buckets): ObjectStore {
  if (!b.upload && !b.download) return store;
  const up = b.upload;
  const down = b.download;
  return decorate(store, {
    putObject: async (path, data, o) => {
      if (up) await pay(up, data.length);
      return store.putObject(path, data, o);
    },
    openUpload: async (path) => {
      const u = await store.openUpload(path);
      const limited: PartUpload = {
        putPart: async (i, off, data, md5) => {
          if (up) await pay(up, data.length);
          return u.putPart(i, off, data, md5);
        },
        complete: (parts, size) => u.complete(parts, size),
        abort: () => u.abort(),
      };
      return limited;
    },
    get: down
      ? async function* (path, offset) {
          for await (const chunk of store.get(path, offset)) {
            await pay(down, chunk.length);
            yield chunk;
          }
        }
      : (path, offset) => store.get(path, offset),
  });
}
