// The one conformance suite every storage backend passes (DESIGN §6). A backend test file
// calls `storageConformance('ssh', open)` where `open` returns a fresh, empty container.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { ObjectStore } from '../../src/storage/storage.js';
import { isStorageFault, readObject } from '../../src/storage/storage.js';
import { composeStorage } from '../../src/storage/compose.js';
import { prng } from './tree.js';

export interface OpenedStore {
  store: ObjectStore;
  /** Removes the container and closes connections. */
  cleanup(): Promise<void>;
}

async function* chunked(data: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length];
    yield data.subarray(at, at + n);
    at += n;
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function expectNotFound(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isStorageFault(err), `expected a StorageFault, got ${String(err)}`);
    assert.equal(err.fault, 'not-found');
    return true;
  });
}

export function storageConformance(label: string, open: () => Promise<OpenedStore>, opts: { partSize?: number } = {}): void {
  const partSize = opts.partSize ?? 64 * 1024;
  describe(`storage conformance: ${label}`, function () {
    this.timeout(120_000);
    let opened: OpenedStore;
    let store: ObjectStore;
    beforeEach(async () => { opened = await open(); store = opened.store; });
    afterEach(async () => { await opened.cleanup(); });

    it('puts and gets whole objects, empty ones included, and stats their size', async () => {
      const data = prng(100_000, 1);
      await store.putObject('a/b/obj', data);
      await store.putObject('a/empty', Buffer.alloc(0));
      assert.equal(sha(await readObject(store, 'a/b/obj')), sha(data));
      assert.equal((await readObject(store, 'a/empty')).length, 0);
      assert.deepEqual(await store.stat('a/b/obj'), { size: data.length });
      assert.deepEqual(await store.stat('a/empty'), { size: 0 });
    });

    it('replaces an object that exists', async () => {
      await store.putObject('x', Buffer.from('first version'));
      await store.putObject('x', Buffer.from('second'));
      assert.equal((await readObject(store, 'x')).toString(), 'second');
    });

    it('reads from an offset', async () => {
      const data = prng(300_000, 2);
      await store.putObject('ranged', data);
      assert.equal(sha(await readObject({ get: (p) => store.get(p, 123_457) }, 'ranged')), sha(data.subarray(123_457)));
    });

    it('reports a missing object as not-found, on get and as null on stat', async () => {
      await expectNotFound(readObject(store, 'no/such/object'));
      assert.equal(await store.stat('no/such/object'), null);
    });

    it('lists immediate children, objects and prefixes, sorted; [] for an absent prefix', async () => {
      for (const p of ['m/2_200/metadata', 'm/1_100/metadata', 'm/1_100/extra', 'm/top', 'n/other']) {
        await store.putObject(p, Buffer.from(p));
      }
      assert.deepEqual(await store.list('m'), ['1_100', '2_200', 'top']);
      assert.deepEqual(await store.list('m/1_100'), ['extra', 'metadata']);
      assert.deepEqual(await store.list('absent'), []);
      assert.deepEqual(await store.list('m/1'), [], 'a prefix is a path component, not a string prefix');
    });

    it('removes an object, a whole prefix, and treats absent as done', async () => {
      for (const p of ['r/a/1', 'r/a/2', 'r/b', 'keep/me']) await store.putObject(p, Buffer.from(p));
      await store.remove('r/b');
      assert.equal(await store.stat('r/b'), null);
      await store.remove('r/a');
      assert.deepEqual(await store.list('r'), []);
      await store.remove('r/never');
      assert.equal((await readObject(store, 'keep/me')).toString(), 'keep/me');
    });

    it('uploads in parts (out of order, concurrently) and publishes only on complete', async () => {
      const size = Math.max(partSize, store.minPartSize);
      const data = prng(size * 3 + 1234, 3);
      const u = await store.openUpload('parts/obj');
      const parts = [0, 1, 2, 3].map((i) => data.subarray(i * size, (i + 1) * size));
      await Promise.all([3, 1, 0, 2].map((i) => u.putPart(i, i * size, parts[i])));
      assert.equal(await store.stat('parts/obj'), null, 'invisible before complete');
      await u.complete(4, data.length);
      assert.equal(sha(await readObject(store, 'parts/obj')), sha(data));
      assert.deepEqual(await store.stat('parts/obj'), { size: data.length });
    });

    it('an aborted upload leaves no object', async () => {
      const u = await store.openUpload('aborted/obj');
      await u.putPart(0, 0, prng(1000, 4));
      await u.abort();
      assert.equal(await store.stat('aborted/obj'), null);
    });

    it('rejects paths that escape the container', async () => {
      for (const bad of ['../x', '/abs', 'a/../b', 'a//b', '']) {
        await assert.rejects(store.putObject(bad, Buffer.from('x')), Error, bad);
      }
    });

    it('composed: streams a segmented object of many parts and a small whole one', async () => {
      const storage = composeStorage([store], { partSize: Math.max(partSize, store.minPartSize), queue: 3 });
      const data = prng(Math.max(partSize, store.minPartSize) * 4 + 777, 5);
      await storage.put('seg/data', () => chunked(data, [1000, 65_537, 7]), { segmented: true });
      await storage.put('seg/meta', () => chunked(Buffer.from('{"x":1}'), [3]));
      assert.equal(sha(await readObject(storage, 'seg/data')), sha(data));
      assert.equal((await readObject(storage, 'seg/meta')).toString(), '{"x":1}');
      await storage.put('seg/empty', () => chunked(Buffer.alloc(0), [1]), { segmented: true });
      assert.equal((await readObject(storage, 'seg/empty')).length, 0);
    });

    it('composed: a source that fails part-way leaves no object', async () => {
      const storage = composeStorage([store], { partSize: Math.max(partSize, store.minPartSize), queue: 2 });
      const failing = async function* () {
        yield prng(Math.max(partSize, store.minPartSize) * 2 + 5, 6);
        throw new Error('source broke');
      };
      await assert.rejects(storage.put('broken/data', failing, { segmented: true }), /source broke/);
      assert.equal(await storage.stat('broken/data'), null);
    });
  });
}
