// `[storage:NAME]` sections: one backup stream fanned out to every storage in parallel. A write
// succeeds only when every storage has it; a failure names each storage that failed (after
// that storage's own retries). Reads, lists and stats use the first storage.
import { ObjectStore, PartUpload, PutObjectOptions, StorageFault, isStorageFault, messageWithout } from './storage.js';

async function onAll<T>(stores: ObjectStore[], what: string, op: (s: ObjectStore, i: number) => Promise<T>): Promise<T[]> {
  const results = await Promise.allSettled(stores.map((s, i) => op(s, i)));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ store: stores[i], err: r.reason as Error }] : []));
  if (failed.length) {
    const detail = failed.map((f) => `${f.store.name}: ${messageWithout(f.store.name, f.err.message)}`).join('; ');
    // A name taken on any storage is a conflict, whatever else failed: it is what the run reports.
    const kind = failed.some((f) => isStorageFault(f.err) && f.err.fault === 'exists') ? 'exists' : 'permanent';
    throw new StorageFault(kind, `${what} failed on ${failed.length} of ${stores.length} storages: ${detail}`, { cause: failed[0].err });
  }
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

export class MultiStore implements ObjectStore {
  readonly name: string;
  readonly minPartSize: number;
  readonly anySizeParts: boolean;
  readonly checksPartMd5: boolean;
  constructor(private readonly stores: ObjectStore[]) {
    if (stores.length === 0) throw new Error('MultiStore needs at least one storage');
    this.name = `multiple(${stores.map((s) => s.name).join(', ')})`;
    this.minPartSize = Math.max(...stores.map((s) => s.minPartSize));
    this.anySizeParts = stores.every((s) => s.anySizeParts);
    this.checksPartMd5 = stores.some((s) => s.checksPartMd5);
  }

  async putObject(path: string, data: Buffer, options?: PutObjectOptions): Promise<void> {
    await onAll(this.stores, `upload of ${path}`, (s) => s.putObject(path, data, options));
  }

  async openUpload(path: string): Promise<PartUpload> {
    const opened = await Promise.allSettled(this.stores.map((s) => s.openUpload(path)));
    const ok = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (ok.length < this.stores.length) {
      await Promise.all(ok.map((u) => u.abort()));
      await onAll(this.stores, `starting the upload of ${path}`, (_s, i) =>
        opened[i].status === 'rejected' ? Promise.reject(opened[i].reason) : Promise.resolve(),
      );
    }
    return {
      putPart: async (i, off, data, md5) => {
        await onAll(this.stores, `upload of part ${i} of ${path}`, (_s, k) => ok[k].putPart(i, off, data, md5));
      },
      complete: async (parts, size) => {
        await onAll(this.stores, `completing ${path}`, (_s, k) => ok[k].complete(parts, size));
      },
      abort: async () => {
        await Promise.all(ok.map((u) => u.abort()));
      },
    };
  }

  get(path: string, offset?: number): AsyncIterable<Buffer> {
    return this.stores[0].get(path, offset);
  }
  list(prefix: string): Promise<string[]> {
    return this.stores[0].list(prefix);
  }
  stat(path: string) {
    return this.stores[0].stat(path);
  }

  async remove(path: string): Promise<void> {
    await onAll(this.stores, `removal of ${path}`, (s) => s.remove(path));
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.stores.map(async (s) => s.close?.()));
  }
}
